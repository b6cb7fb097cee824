//! `uniffi-bindgen`: generates the Kotlin, Swift and Python bindings of
//! `alongside-mobile-bridge` from the built library (library mode). Built
//! only with `--features bindgen`; `bindings/generate.sh` is the one
//! command that runs it for the committed Kotlin and Swift sources.

fn main() {
    uniffi::uniffi_bindgen_main()
}

/**
 * The app's link to `/sync`: an automerge-repo network adapter speaking the
 * same join/peer handshake and CBOR frames as the library's WebSocket
 * adapter, with three things that one cannot do:
 *
 * - the device token goes in a `Sec-WebSocket-Protocol` value, never in the
 *   URL (URLs end up in proxy and server logs; a browser cannot set
 *   `Authorization` on a WebSocket);
 * - a lost or refused connection is retried with growing, jittered delays
 *   (1 s doubling to 60 s), not every 5 s for ever, and "Sync now" retries
 *   at once;
 * - a handshake that fails asks `probe` why (the browser hides the status
 *   of a refused upgrade): a revoked or expired token stops the retries and
 *   is reported, so the app can purge or ask for a new sign-in.
 *
 * Protocol errors the server sends (a refused write) are handed to
 * `onRefused` with the document they name, if any.
 */

import { cbor, NetworkAdapter, type PeerId, type PeerMetadata } from "@automerge/automerge-repo/slim";

/** The subprotocol the server selects. */
export const SYNC_SUBPROTOCOL = "alongside-sync";
/** What the token's subprotocol value starts with. */
export const TOKEN_SUBPROTOCOL_PREFIX = "alongside.token.";

const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 60_000;

/** Why a connection could not be made, as far as the device API says. */
export type Probe = "revoked" | "expired" | "unreachable" | "fine";

export interface SocketOptions {
  /** The `/sync` URL, without the token. */
  url: string;
  token: string;
  /** Asks the device API why the upgrade failed. */
  probe: () => Promise<Probe>;
  /** The server refused access for good: retries have stopped. */
  onEnded: (why: "revoked" | "expired") => void;
  /** The server sent a protocol `error` (`document`: the one it names). */
  onRefused: (message: string, document: string | null) => void;
}

export class SyncSocket extends NetworkAdapter {
  private socket: WebSocket | null = null;
  private remote: PeerId | null = null;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ended = false;
  private ready = false;
  private readonly readyWaiters: (() => void)[] = [];

  constructor(private readonly options: SocketOptions) {
    super();
  }

  isReady(): boolean {
    return this.ready;
  }

  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Offline the repo must not wait for a server: ready once connected,
   * or once the first attempt has failed. */
  private markReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.readyWaiters.splice(0).forEach((resolve) => resolve());
  }

  connect(peerId: PeerId, peerMetadata?: PeerMetadata): void {
    this.peerId = peerId;
    this.peerMetadata = peerMetadata ?? {};
    this.open();
    setTimeout(() => this.markReady(), 1000);
  }

  /** Connects now if not connected (and not ended), resetting the delay. */
  retryNow(): void {
    if (this.ended || this.socket) return;
    this.failures = 0;
    this.open();
  }

  /** Whether the server answered the handshake on the current socket. */
  connected(): boolean {
    return this.remote !== null;
  }

  private open(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const socket = new WebSocket(this.options.url, [SYNC_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + this.options.token]);
    socket.binaryType = "arraybuffer";
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.sendFrame({
        type: "join",
        senderId: this.peerId,
        peerMetadata: this.peerMetadata,
        supportedProtocolVersions: ["1"],
      });
    };
    socket.onmessage = (event) => this.received(event.data as ArrayBuffer);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.remote) this.emit("peer-disconnected", { peerId: this.remote });
      this.remote = null;
      this.markReady();
      void this.retry(opened);
    };
    this.socket = socket;
  }

  private async retry(opened: boolean): Promise<void> {
    if (this.ended) return;
    if (!opened) {
      // The upgrade itself failed: no network, or a refusal the browser
      // does not show. Ask.
      const why = await this.options.probe();
      if (why === "revoked" || why === "expired") {
        this.ended = true;
        this.options.onEnded(why);
        return;
      }
    }
    this.failures += 1;
    const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1));
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.timer = setTimeout(() => this.open(), delay);
  }

  private received(data: ArrayBuffer): void {
    let message: Record<string, unknown>;
    try {
      message = cbor.decode(new Uint8Array(data)) as Record<string, unknown>;
    } catch {
      return;
    }
    if (message.type === "peer") {
      this.remote = message.senderId as PeerId;
      this.failures = 0;
      this.markReady();
      this.emit("peer-candidate", {
        peerId: this.remote,
        peerMetadata: (message.peerMetadata ?? {}) as PeerMetadata,
      });
    } else if (message.type === "error") {
      const document = typeof message.documentId === "string" ? message.documentId : null;
      this.options.onRefused(String(message.message ?? ""), document);
    } else {
      this.emit("message", message as never);
    }
  }

  send(message: Parameters<NetworkAdapter["send"]>[0]): void {
    // Nothing is lost by dropping a frame while disconnected: the repo
    // syncs again from the documents themselves when the peer returns.
    if (this.socket?.readyState === WebSocket.OPEN) this.sendFrame(message);
  }

  private sendFrame(message: unknown): void {
    const bytes = cbor.encode(message);
    this.socket?.send(bytes.slice().buffer);
  }

  disconnect(): void {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    if (this.remote) this.emit("peer-disconnected", { peerId: this.remote });
    this.remote = null;
  }
}

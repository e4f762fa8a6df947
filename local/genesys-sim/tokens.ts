/** The access tokens the simulator issued: opaque values it keeps by label, with their expiry and revocation. */
import { randomBytes } from 'node:crypto';

/** An issued token; the ledger names it by `label` (`token-1`, ...), never by its value. */
export interface IssuedToken {
  label: string;
  clientId: string;
  expiresAt: number;
  revoked: boolean;
}

/** Issues, finds and revokes tokens on the simulator's clock. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(private readonly clock: () => number) {}

  /** A new opaque token for the client, living `expiresInSeconds` real seconds. */
  issue(clientId: string, expiresInSeconds: number): string {
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, {
      label: `token-${this.tokens.size + 1}`,
      clientId,
      expiresAt: this.clock() + expiresInSeconds * 1000,
      revoked: false,
    });
    return accessToken;
  }

  /** The token issued with this value, live or not; undefined when it was not issued here. */
  find(accessToken: string | undefined): IssuedToken | undefined {
    return accessToken === undefined ? undefined : this.tokens.get(accessToken);
  }

  /** Neither revoked nor expired. */
  isLive(token: IssuedToken): boolean {
    return !token.revoked && token.expiresAt > this.clock();
  }

  /** Revokes one issued token; false when it was not issued here. */
  revoke(accessToken: string): boolean {
    const token = this.tokens.get(accessToken);
    if (token === undefined) return false;
    token.revoked = true;
    return true;
  }

  /** Revokes every issued token; returns how many were live. */
  revokeAll(): number {
    let live = 0;
    for (const token of this.tokens.values()) {
      if (this.isLive(token)) live += 1;
      token.revoked = true;
    }
    return live;
  }
}

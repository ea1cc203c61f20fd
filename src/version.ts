import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;

/** Sent with every request to a registry, so the pull events of regstat's own requests can be told apart. */
export const USER_AGENT = `regstat/${VERSION}`;

declare module "*.sql" {
  const text: string;
  export default text;
}

// Files embedded with `with { type: "file" }`: their path, inside the compiled executable or on disk.
declare module "*.wasm" {
  const path: string;
  export default path;
}
declare module "*.data" {
  const path: string;
  export default path;
}

// A systemd unit embedded with `with { type: "text" }`, so the executable prints the repository's file.
declare module "*.service" {
  const text: string;
  export default text;
}

// The dashboard's stylesheet and icon, embedded with `with { type: "text" }` and served from memory.
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*.svg" {
  const text: string;
  export default text;
}

// The embedded database's template (src/db/pglite-template.ts), embedded with `with { type: "file" }`.
declare module "*.tar.gz" {
  const path: string;
  export default path;
}
declare module "*.key" {
  const text: string;
  export default text;
}

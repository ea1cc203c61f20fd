// A systemd unit embedded with `with { type: "text" }`, so the executable prints the repository's file.
declare module "*.service" {
  const text: string;
  export default text;
}

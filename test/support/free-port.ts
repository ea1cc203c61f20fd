/** A port nothing listens on right now (the kernel's choice), for a process the test starts. */
export function freePort() {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

import { EVENTS_V1 } from "./fixtures.ts";

/** A connection that sends a delivery's headers and one byte of its body, then nothing more. */
export async function stalledDelivery(port: number) {
  let answer = "";
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: { data: (_s, data) => void (answer += data.toString()), error: () => {}, close: () => {} },
  });
  socket.write(`POST /events HTTP/1.1\r\nhost: x\r\ncontent-type: ${EVENTS_V1}\r\ncontent-length: 1000\r\n\r\n{`);
  return { socket, answer: () => answer };
}

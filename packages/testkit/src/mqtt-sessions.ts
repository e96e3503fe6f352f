import { connect } from 'node:net';

/** An MQTT 3.1.1 string: two bytes of length, then UTF-8. */
function mqttString(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
}

/** MQTT's variable-length "remaining length". */
function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

/**
 * Ends the persistent sessions of these client ids on an MQTT broker: each
 * connects once with clean session set and disconnects, so the broker drops
 * what it queued for them. Used before sidecars start on a shared broker
 * (Mosquitto): Dapr 1.18's MQTT component receives a resumed session's
 * queued messages before it subscribes and never acknowledges them, so a
 * session left over from a crashed run would hold the app's in-flight
 * window shut and nothing more would reach it.
 */
export async function clearMqttSessions(o: { url: string; clientIds: string[]; timeoutMs?: number }): Promise<void> {
  const { hostname, port } = new URL(o.url.replace(/^tcp:/, 'mqtt:'));
  for (const clientId of o.clientIds) {
    const variable = Buffer.concat([mqttString('MQTT'), Buffer.from([4, 0x02, 0, 10])]);
    const payload = mqttString(clientId);
    const body = Buffer.concat([variable, payload]);
    const connectPacket = Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 1883) });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`MQTT broker ${o.url} did not answer CONNECT for ${clientId}`));
      }, o.timeoutMs ?? 5000);
      socket.on('connect', () => socket.write(connectPacket));
      socket.on('data', (data: Buffer) => {
        clearTimeout(timer);
        if (data[0] !== 0x20 || data[3] !== 0) {
          socket.destroy();
          reject(new Error(`MQTT broker ${o.url} refused ${clientId} (CONNACK ${data.toString('hex')})`));
          return;
        }
        socket.end(Buffer.from([0xe0, 0x00]), () => resolve());
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }
}

import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

export interface EmbeddedBroker {
  url: string;
  close(): Promise<void>;
}

/**
 * An MQTT broker inside the launcher, so the local profile's pub/sub crosses
 * sidecars without any server installed. Messages live in memory.
 */
export async function startEmbeddedBroker(opts: { port: number }): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  return {
    url: `tcp://127.0.0.1:${opts.port}`,
    close: async () => {
      server.close();
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
}

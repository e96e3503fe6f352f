import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { clearMqttSessions } from './mqtt-sessions.ts';

// Against the machine's Mosquitto (:1883), with its command-line clients.
const URL = process.env.MERIDIAN_MQTT_URL ?? 'tcp://127.0.0.1:1883';
const { hostname, port } = new globalThis.URL(URL.replace(/^tcp:/, 'mqtt:'));
const sub = (clientId: string, topic: string, waitSeconds: number) =>
  spawnSync('mosquitto_sub', ['-h', hostname, '-p', port, '-i', clientId, '-c', '-q', '1', '-t', topic, '-W', `${waitSeconds}`, '-C', '1'], { encoding: 'utf8' });
const pub = (topic: string, message: string) => spawnSync('mosquitto_pub', ['-h', hostname, '-p', port, '-q', '1', '-t', topic, '-m', message], { encoding: 'utf8' });

describe('clearing MQTT sessions', () => {
  it('when a persistent session has queued messages, then clearing it drops them; an uncleared session keeps them', async () => {
    const run = `${process.pid}-${Date.now()}`;
    const [kept, cleared] = [`meridian-kept-${run}`, `meridian-cleared-${run}`];
    const topic = `meridian/test/${run}`;
    // Both sessions subscribe (persistent), go away, and a message is queued for each.
    sub(kept, topic, 1);
    sub(cleared, topic, 1);
    expect(pub(topic, 'queued').status).toBe(0);
    await clearMqttSessions({ url: URL, clientIds: [cleared] });
    expect(sub(kept, topic, 2).stdout.trim()).toBe('queued');
    expect(sub(cleared, topic, 2).stdout.trim()).toBe('');
    await clearMqttSessions({ url: URL, clientIds: [kept] });
  });
});

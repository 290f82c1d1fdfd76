// The agent the RPC e2e pages call: served by Node (over WebSocket) and by Deno (over WebTransport). `onCancel`
// hears the reason of every cancelled hang().
import { currentCall } from 'swarmwire';

export function makeAgent(onCancel: (reason: string) => void) {
  return {
    add: (a: number, b: number) => a + b,
    async notify(message: string, callback: (text: string) => Promise<void>) {
      await callback(`got ${message}`);
      return 'sent';
    },
    async *countdown(from: number) {
      for (let i = from; i > 0; i--) yield i;
    },
    async sum(numbers: AsyncIterable<number>) {
      let total = 0;
      for await (const n of numbers) total += n;
      return total;
    },
    fail(): never {
      throw new TypeError('not from here', { cause: new Error('deeper') });
    },
    hang(): Promise<void> {
      const { signal } = currentCall();
      return new Promise((_, reject) => signal.addEventListener('abort', () => {
        onCancel((signal.reason as Error).message);
        reject(signal.reason);
      }));
    },
  };
}

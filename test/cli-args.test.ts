// The relay commands' limit flags (src/relay/cli-args.ts), read by the Node command and the Deno entry alike: each
// sets its relay option only when given, refuses what is not a whole number from its minimum, and is passed on as
// given to the Deno relay the Node command starts.
import { describe, expect, it } from 'vitest';
import { RELAY_FLAGS, UsageError, limitArgs, parseFlags, relayLimits } from '../src/relay/cli-args.js';

const limitsOf = (...args: string[]) => relayLimits(parseFlags(args, RELAY_FLAGS).values);

describe('relay limit flags', () => {
  it('each sets its option; none given sets none (the relay keeps its defaults)', () => {
    expect(limitsOf()).toEqual({});
    expect(limitsOf('--max-peers', '500', '--max-peers-per-address=500', '--max-broadcast-deliveries', '0', '--max-peer-info-bytes', '8192', '--max-topics-per-peer', '16')).toEqual({
      maxPeers: 500, maxPeersPerAddress: 500, maxBroadcastDeliveriesPerSecond: 0, maxPeerInfoBytes: 8192, maxTopicsPerPeer: 16,
    });
  });

  it.each([
    [['--max-peers', '0'], '--max-peers must be a whole number from 1, got "0"'],
    [['--max-peers-per-address', '-3'], '--max-peers-per-address must be a whole number from 1, got "-3"'],
    [['--max-broadcast-deliveries', '1e6'], '--max-broadcast-deliveries must be a whole number from 0, got "1e6"'],
    [['--max-peer-info-bytes', '1'], '--max-peer-info-bytes must be a whole number from 2, got "1"'],
    [['--max-topics-per-peer', '99999999999999999999'], '--max-topics-per-peer must be a whole number from 1, got "99999999999999999999"'],
  ])('%j is a usage error', (args, message) => {
    expect(() => limitsOf(...args)).toThrow(UsageError);
    expect(() => limitsOf(...args)).toThrow(message);
  });

  it('are passed on to the Deno relay as given, and only those given', () => {
    expect(limitArgs(parseFlags(['--port', '1', '--max-topics-per-peer=16', '--max-peers-per-address', '9'], RELAY_FLAGS).values))
      .toEqual(['--max-peers-per-address', '9', '--max-topics-per-peer', '16']);
  });
});

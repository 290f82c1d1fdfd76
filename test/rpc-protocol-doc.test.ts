// docs/protocol.md's RPC examples are real frames: every hex block there decodes as whole frames, with the bodies
// the text says they carry.
import { expect, it } from 'vitest';
import { MessageType, decodeBody } from 'swarmwire';
import { decodeFrame, fnv1a32, fnv1a64 } from 'swarmwire/wire';
import { docSection, framesOf } from './fixtures/doc-frames.js';

const section = docSection('### RPC examples', '**Comlink interop.**');

it('every RPC example in docs/protocol.md decodes, with the documented bodies', () => {
  const blocks = [...section.matchAll(/```\n([\s\S]*?)```/g)].map((m) => framesOf(m[1]!));
  const frames = blocks.flat().map((bytes) => decodeFrame(bytes));
  expect(frames.map((f) => f.type)).toEqual([
    MessageType.Request, MessageType.Response, MessageType.Error, MessageType.Request, MessageType.Cancel,
    MessageType.StreamHandle, MessageType.StreamData, MessageType.StreamCredit, MessageType.StreamCancel, MessageType.StreamEnd,
  ]);
  const [req, res, err, get, cancel, handle, data, credit, stop, end] = frames as [ReturnType<typeof decodeFrame>, ...ReturnType<typeof decodeFrame>[]];
  expect(req.moduleId).toBe(fnv1a64('calc'));
  expect(req.methodHash).toBe(fnv1a32('add'));
  expect(decodeBody(req)).toEqual([2, 3]);
  expect(decodeBody(res!)).toBe(5);
  expect(decodeBody(err!)).toEqual({ status: 3, message: 'no', name: 'TypeError', data: { code: 'E_NO' } });
  expect(get!.methodHash).toBe(fnv1a32('nested.value'));
  expect(decodeBody(get!)).toEqual({ op: 1, path: ['nested', 'value'] });
  expect(decodeBody(cancel!)).toBe('aborted');
  expect(decodeBody(handle!)).toEqual({ stream: 1, kind: 0 });
  for (const f of [data, credit, stop, end]) expect(f!.moduleId).toBe(1n);
  expect(decodeBody(data!)).toBe('a');
  expect(decodeBody(credit!)).toBe(8);
  expect(decodeBody(stop!)).toBe('the reader stopped');
  expect(end!.payloadLength).toBe(0);
});

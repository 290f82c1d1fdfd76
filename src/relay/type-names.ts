// Message types by name, for labels a human or a monitoring system reads (/metrics, the dashboard's traces).
import { MessageType } from '../wire/constants.js';

const NAMES = /* @__PURE__ */ new Map<number, string>(Object.entries(MessageType).map(([name, code]) => [code, name]));

/** The name of message type `type` (Request, Routed, …), or its number when it has none. */
export const typeName = (type: number): string => NAMES.get(type) ?? String(type);

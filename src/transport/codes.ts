// The transport layer's numbers, apart from its classes, so the slim client and the session rules can name them
// without carrying the transport contract. Constants only.

/** Send priority, memlink-shm's three tiers: critical frames are delivered before high, high before low. */
export const Priority = { Critical: 0, High: 1, Low: 2 } as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

/** Close codes, WebSocket's numbers so they map 1:1 onto it. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  /** A message of a kind the endpoint does not take (text on a binary-only WebSocket). */
  UnsupportedData: 1003,
  /** The peer vanished without a close (worker terminated, socket dropped, heartbeat lost). */
  Abnormal: 1006,
  PolicyViolation: 1008,
  TooBig: 1009,
  InternalError: 1011,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

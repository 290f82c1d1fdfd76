// "No such module / method", said with the names the caller used. The callee sees only hashes (module_id =
// fnv1a64(name), method_hash = fnv1a32(name)), so its message reads `no method 0xd1a908be`; the caller knows it asked
// for "ecoh" on "calc", and says so, the hash kept in parentheses for debugging.
import { RpcError, RpcErrorCode, rpcError } from './errors.js';

/** The names behind a call, as the caller's proxy knows them. @internal */
export interface CallNames {
  /** The module's name; undefined for the default module. */
  readonly module: string | undefined;
  /** The member path, dotted ('' for the module itself). */
  readonly method: string;
  /** The plain form: only the hash of the method crossed the wire (the extended form carries the path itself). */
  readonly plain: boolean;
  /** A ref (proxy()): it has no name, and a missing one means the peer released it. */
  readonly ref: boolean;
}

/**
 * `error` as the caller should read it: a MODULE_NOT_FOUND or METHOD_NOT_FOUND from the peer is said again with the
 * names (the peer's error kept as its `cause`); anything else is returned as it is. @internal
 */
export function withNames(error: unknown, names: CallNames | undefined, moduleId: bigint, methodHash: number): unknown {
  if (!names || names.ref || !(error instanceof RpcError)) return error;
  const { module, method } = names;
  const where = module === undefined ? 'the default module' : `module "${module}"`;
  const code = error.code;
  const message = code === RpcErrorCode.MODULE_NOT_FOUND
    ? `no ${module === undefined ? 'default module' : where} is exposed by the peer (module id 0x${moduleId.toString(16).padStart(16, '0')})`
    : code === RpcErrorCode.METHOD_NOT_FOUND && names.plain
      ? `${method ? `no method "${method}" on ${where}` : `${where} cannot be called itself`} (method hash 0x${methodHash.toString(16).padStart(8, '0')})`
      : '';
  return message ? rpcError(code as RpcErrorCode, message, error) : error;
}

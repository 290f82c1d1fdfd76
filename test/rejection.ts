// What a promise rejects with, for asserting on an error's class, code and fields; fails when it resolves.
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

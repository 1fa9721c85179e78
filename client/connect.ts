/** Connecting to a Temporal server, with one message that says what to fix when it cannot be reached. */
import { ConfigFileError } from './config-loader';

/** The configured server did not answer: a user error (exit code 2), not a stack trace. */
export class TemporalUnreachableError extends ConfigFileError {
  override name = 'TemporalUnreachableError';
}

export async function connectOrExplain<T>(address: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw new TemporalUnreachableError(
      `cannot connect to the Temporal server at ${address} (${(err as Error).message}). Is it running? ` +
        'Check TEMPORAL_ADDRESS (or temporal.address in the config), start a server with `restact dev`, ' +
        'or unset TEMPORAL_ADDRESS to use an embedded one for the command.',
    );
  }
}

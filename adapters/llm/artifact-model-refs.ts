/**
 * Model refs that point into the artifact store (`artifact:campaigns/c1/round-0/model/adapter.gguf`, what the
 * fine-tune activity returns for a model it wrote) work on every worker: this provider copies the artifact into
 * the worker's work directory once and hands the local path to the real provider (the embedded llama.cpp model
 * loads a LoRA adapter from a file). Other refs pass through unchanged; `+` joins several.
 */
import type { ChatModel, ChatModelProvider } from '../../ports/chat-model';
import { ARTIFACT_MODEL_REF } from '../../lib/artifact-keys';
import type { LocalCopies } from '../store/local-copies';

export class ArtifactModelRefs implements ChatModelProvider {
  private readonly local = new Map<string, Promise<string>>();
  /** The wrapped provider's, when it reserves a context per sequence (the embedded model). */
  readonly fitContext?: ChatModelProvider['fitContext'];

  constructor(private readonly inner: ChatModelProvider, private readonly copies: LocalCopies) {
    if (inner.fitContext) this.fitContext = (budgets) => inner.fitContext!(budgets);
  }

  async get(ref?: string): Promise<ChatModel> {
    if (!ref?.includes(ARTIFACT_MODEL_REF)) return this.inner.get(ref);
    return this.inner.get(await this.localRef(ref));
  }

  /** Copied once per worker process: every LLM step asks for its model. */
  private localRef(ref: string): Promise<string> {
    let local = this.local.get(ref);
    if (!local) {
      local = Promise.all(ref.split('+').map((part) => (part.startsWith(ARTIFACT_MODEL_REF) ? this.copies.fetch(part.slice(ARTIFACT_MODEL_REF.length)) : part))).then((parts) => parts.join('+'));
      local.catch(() => this.local.delete(ref));
      this.local.set(ref, local);
    }
    return local;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

import type { ChatModel } from './chat-model.js';
import { ModelError } from './chat-model.js';
import { tracedChatModel } from '../tracing/traced-models.js';
import type { Tracing } from '../tracing/tracing.js';

export interface ResolvedModel {
  model: ChatModel;
  /** The name to send to the provider (without its prefix). */
  name: string;
  /** provider:name, for cache keys and logs. */
  qualifiedName: string;
}

/**
 * Maps an agent's model ("gpt-4o", "provider:model") to an implementation. Registered names win;
 * "x:y" goes to provider x; a bare name goes to the default provider (openai).
 */
export class ModelRegistry {
  private readonly models = new Map<string, ChatModel>();

  /** `tracing`: every model's calls become `chat <model>` spans (wrapped once, as registered). */
  constructor(
    private readonly defaultProvider = 'openai',
    private readonly tracing?: Tracing,
  ) {}

  /** Adds a provider or exact model name; the returned function removes it. */
  register(name: string, model: ChatModel): () => void {
    const registered = this.tracing ? tracedChatModel(this.tracing, model, name.split(':')[0]!) : model;
    this.models.set(name, registered);
    return () => {
      if (this.models.get(name) === registered) this.models.delete(name);
    };
  }

  resolve(agentModel: string): ResolvedModel {
    const exact = this.models.get(agentModel);
    if (exact) return { model: exact, name: agentModel, qualifiedName: agentModel };
    const separator = agentModel.indexOf(':');
    const provider = separator > 0 ? agentModel.slice(0, separator) : this.defaultProvider;
    const name = separator > 0 ? agentModel.slice(separator + 1) : agentModel;
    const model = this.models.get(provider);
    if (model) return { model, name, qualifiedName: `${provider}:${name}` };
    if (provider === this.defaultProvider) {
      throw new ModelError(
        'UPSTREAM_UNAVAILABLE',
        `No model provider is configured for "${agentModel}": set OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible server such as vLLM or Ollama), or register a custom model`,
        false,
      );
    }
    throw new ModelError('UPSTREAM_UNAVAILABLE', `No model provider named "${provider}" is registered (agent model "${agentModel}")`, false);
  }
}

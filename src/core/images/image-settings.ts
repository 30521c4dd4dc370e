export interface ImageSettings {
  /** The largest image accepted, in bytes (IMAGE_MAX_BYTES). */
  maxBytes: number;
  /** The most images one message may carry (MAX_IMAGES_PER_MESSAGE). */
  maxPerMessage: number;
  /** Image URLs are fetched and stored like uploads (IMAGE_FETCH); off, they go to the model as URLs. */
  fetch: boolean;
  /** Fetching may reach loopback and private addresses (MCP_ALLOW_PRIVATE_URLS, the MCP address policy). */
  allowPrivateUrls: boolean;
  /** A fetch gives up after this long. */
  fetchTimeoutMs: number;
}

export const DEFAULT_IMAGE_SETTINGS: ImageSettings = {
  maxBytes: 5 * 1024 * 1024,
  maxPerMessage: 10,
  fetch: false,
  allowPrivateUrls: false,
  fetchTimeoutMs: 15_000,
};

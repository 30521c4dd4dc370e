import type { ChatImage } from '../models/chat-model.js';

/** OpenAI's published price of an image (GPT-4o family): a fixed part, and one more per 512 px tile. */
export const IMAGE_BASE_TOKENS = 85;
export const IMAGE_TILE_TOKENS = 170;

/**
 * An image of unknown size (a URL passed through, not fetched): the most a high-detail image can
 * cost (2048 × 768 after scaling, 8 tiles), so the budget never undercounts.
 */
export const UNKNOWN_IMAGE_TOKENS = IMAGE_BASE_TOKENS + 8 * IMAGE_TILE_TOKENS;

/**
 * Tokens an image costs in the prompt, as OpenAI counts them: `low` detail 85; otherwise (`high`,
 * `auto`) the image is scaled to fit 2048 × 2048, then its shorter side down to 768, and each
 * 512 px tile costs 170 on top of 85.
 */
export function imageTokens(image: Pick<ChatImage, 'detail' | 'width' | 'height'>): number {
  if (image.detail === 'low') return IMAGE_BASE_TOKENS;
  if (!image.width || !image.height) return UNKNOWN_IMAGE_TOKENS;
  let width = image.width;
  let height = image.height;
  const fit = Math.min(1, 2048 / Math.max(width, height));
  width *= fit;
  height *= fit;
  const shorter = Math.min(width, height);
  if (shorter > 768) {
    width *= 768 / shorter;
    height *= 768 / shorter;
  }
  // Whole pixels: a scale factor's rounding must not add a tile.
  return IMAGE_BASE_TOKENS + IMAGE_TILE_TOKENS * Math.ceil(Math.round(width) / 512) * Math.ceil(Math.round(height) / 512);
}

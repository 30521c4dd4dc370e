import { GraphQLError } from 'graphql';
import type { Message as MessageModel } from '../core/conversations/conversation.js';
import { filePath, type ImagePart as ImagePartModel } from '../core/images/image-part.js';
import { IMAGE_DETAILS } from '../core/images/image-input.js';
import { builder } from './builder.js';

builder.scalarType('File', {
  description: 'An uploaded file, sent by the GraphQL multipart request spec (multipart/form-data with `operations`, `map` and the files). Input only.',
  serialize: () => {
    throw new GraphQLError('File is an input type');
  },
  parseValue: (value) => {
    // Yoga's fetch implementation may be its own (a ponyfill File): recognised by what it does.
    if (value instanceof Blob || isBlobLike(value)) return value as Blob;
    throw new GraphQLError('File must be an upload: send the request as multipart/form-data (the GraphQL multipart request spec)', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});

const isBlobLike = (value: unknown) => typeof value === 'object' && value !== null && typeof (value as Blob).arrayBuffer === 'function' && typeof (value as Blob).size === 'number';

export const ImageDetail = builder.enumType('ImageDetail', {
  description: 'How closely the model looks (OpenAI’s image detail): LOW costs 85 tokens; HIGH and AUTO by the image’s size.',
  values: {
    AUTO: { value: 'auto', description: 'The provider chooses.' },
    LOW: { value: 'low', description: 'A 512 × 512 view, 85 tokens.' },
    HIGH: { value: 'high', description: '512 px tiles of the image scaled to 768 px on its shorter side: 85 + 170 per tile.' },
  } as const satisfies Record<Uppercase<(typeof IMAGE_DETAILS)[number]>, object>,
});

export const ImageInput = builder.inputType('ImageInput', {
  description:
    'One image of a message: exactly one of `url`, `dataUrl`, `file` or `fileId`. PNG, JPEG, WebP or GIF, judged by the bytes (never by a name or claimed type), ' +
    'at most IMAGE_MAX_BYTES; at most MAX_IMAGES_PER_MESSAGE per message. Uploads, data: URLs (and URLs with IMAGE_FETCH) are stored and replayed with the conversation.',
  fields: (t) => ({
    url: t.string({ description: 'An https URL, passed to the model as it is (the gateway does not fetch it unless IMAGE_FETCH is on); http only for localhost. A data: URL here reads as `dataUrl`.' }),
    dataUrl: t.string({ description: 'A base64 data: URL (data:image/png;base64,…); the bytes are stored.' }),
    file: t.field({ type: 'File', description: 'An upload (GraphQL multipart request); stored.' }),
    fileId: t.id({ description: 'An image stored before (an ImagePart’s fileId) of the same conversation owner, sent again.' }),
    detail: t.field({ type: ImageDetail, description: 'How closely the model looks; the provider’s default when left out.' }),
  }),
});

export const TextPart = builder.objectRef<{ text: string }>('TextPart').implement({
  description: 'The text of a message.',
  fields: (t) => ({ text: t.exposeString('text', { description: 'The text.' }) }),
});

export const ImagePart = builder.objectRef<ImagePartModel>('ImagePart').implement({
  description: 'An image of a user message: stored (fetch it from `url` with your credentials) or a URL passed to the model.',
  fields: (t) => ({
    url: t.string({
      description: 'Stored images: /files/{fileId} on this gateway (GET it with the same credentials; only the conversation’s owner may); otherwise the URL the model was given.',
      resolve: (part) => (part.fileId ? filePath(part.fileId) : (part.url ?? '')),
    }),
    fileId: t.exposeID('fileId', { nullable: true, description: 'Stored images: the file’s id (send it again with ImageInput.fileId); null for a URL passed through.' }),
    mediaType: t.exposeString('mediaType', { nullable: true, description: 'Stored images: image/png, image/jpeg, image/webp or image/gif, by content.' }),
    byteSize: t.exposeInt('byteSize', { nullable: true, description: 'Stored images: their size in bytes.' }),
    width: t.exposeInt('width', { nullable: true, description: 'In pixels, from the image’s header; null when unknown.' }),
    height: t.exposeInt('height', { nullable: true, description: 'In pixels, from the image’s header; null when unknown.' }),
    filename: t.exposeString('filename', { nullable: true, description: 'An upload’s name as the client sent it.' }),
    detail: t.field({ type: ImageDetail, nullable: true, description: 'The detail asked for; null for the provider’s default.', resolve: (part) => part.detail }),
  }),
});

export const MessagePart = builder.unionType('MessagePart', {
  description: 'A part of a message: its text, or an image.',
  types: [TextPart, ImagePart],
  resolveType: (part) => ('type' in part && part.type === 'image' ? ImagePart : TextPart),
});

/** A message as parts: its text (when it has any), then its images in order. */
export const messageParts = (message: MessageModel): Array<{ text: string } | ImagePartModel> => [...(message.content || message.images.length === 0 ? [{ text: message.content }] : []), ...message.images];

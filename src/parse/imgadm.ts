// `imgadm get` prints the imgadm database record {manifest, zpool, source?}.
import { z } from 'zod';
import { parseJson } from './vmadm.js';

export const ImageManifestSchema = z
  .object({
    v: z.number().optional(),
    uuid: z.string(),
    name: z.string(),
    version: z.string(),
    type: z.string(),
    os: z.string().optional(),
    origin: z.string().optional(),
  })
  .passthrough();

export const ImgadmRecordSchema = z
  .object({ manifest: ImageManifestSchema, zpool: z.string().optional(), source: z.string().optional() })
  .passthrough();

export type ImageManifest = z.infer<typeof ImageManifestSchema>;
export type ImgadmRecord = z.infer<typeof ImgadmRecordSchema>;

export function parseImgadmGet(text: string): ImgadmRecord {
  return parseJson(text, ImgadmRecordSchema, 'imgadm get');
}

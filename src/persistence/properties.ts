// v5 properties as stored text: JSON, with Buffer values (correlation data, authentication
// data) as {"$b": "<base64>"}. Most messages have none (null, nothing stored).
import type { Properties } from '../codec/index.js';

export function encodeProperties(props: Properties | null): string | null {
  if (props === null) return null;
  return JSON.stringify(props, (_key, value: unknown) => {
    if (
      value !== null &&
      typeof value === 'object' &&
      (value as { type?: unknown }).type === 'Buffer' &&
      Array.isArray((value as { data?: unknown }).data)
    ) {
      // Buffer.toJSON() ran first: {type: 'Buffer', data: [...]}.
      return { $b: Buffer.from((value as { data: number[] }).data).toString('base64') };
    }
    return value;
  });
}

export function decodeProperties(text: string | null): Properties | null {
  if (text === null) return null;
  return JSON.parse(text, (_key, value: unknown) => {
    if (
      value !== null &&
      typeof value === 'object' &&
      typeof (value as { $b?: unknown }).$b === 'string'
    )
      return Buffer.from((value as { $b: string }).$b, 'base64');
    return value;
  }) as Properties;
}

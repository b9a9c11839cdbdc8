import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canonicalContext } from '../crypto/kms/context.js';

/**
 * A small stand-in for AWS KMS on loopback, speaking its JSON 1.1 protocol
 * (`X-Amz-Target: TrentService.<Operation>`) for GenerateDataKey, Decrypt and
 * ReEncrypt, so the real SDK can be tested over real HTTP. Its master keys are
 * random per server; its CiphertextBlob is its own format (AES-256-GCM with
 * the key id and EncryptionContext authenticated), so a wrong context is
 * rejected exactly as KMS rejects it: InvalidCiphertextException, HTTP 400.
 * SigV4 signatures are not verified, but a request without an Authorization
 * header is refused.
 */
export interface LocalKms {
  /** `http://127.0.0.1:<port>`, for the SDK's `endpoint`. */
  readonly endpoint: string;
  /** ARNs of the master keys; the first is also `alias/custodian-root`. */
  readonly keyArns: readonly string[];
  /** Each request received: operation and the EncryptionContext it carried. */
  readonly calls: { operation: string; context: Record<string, string> | undefined }[];
  close(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const VERSION = 1;
const ID_LENGTH = 36; // a UUID as text

class KmsFault extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export async function startLocalKms(options: { keys?: number; port?: number } = {}): Promise<LocalKms> {
  const masters = new Map<string, Buffer>();
  for (let i = 0; i < (options.keys ?? 1); i++) masters.set(randomUUID(), randomBytes(32));
  const ids = [...masters.keys()];
  const arn = (id: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
  const aliases = new Map([['alias/custodian-root', ids[0]!]]);
  const calls: LocalKms['calls'] = [];

  const resolve = (keyId: unknown): string => {
    if (typeof keyId !== 'string') throw new KmsFault('ValidationException', 'KeyId is required');
    const bare = keyId.replace(`arn:aws:kms:${REGION}:${ACCOUNT}:`, '').replace(/^key\//, '');
    const id = aliases.get(bare) ?? bare;
    if (!masters.has(id)) throw new KmsFault('NotFoundException', 'Key does not exist');
    return id;
  };

  const aad = (header: Buffer, context: unknown) => Buffer.concat([header, canonicalContext((context ?? {}) as Record<string, string>)]);

  const seal = (id: string, plaintext: Buffer, context: unknown): Buffer => {
    const header = Buffer.concat([Buffer.of(VERSION), Buffer.from(id, 'ascii')]);
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', masters.get(id)!, nonce);
    cipher.setAAD(aad(header, context));
    return Buffer.concat([header, nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };

  const open = (blob: unknown, context: unknown, expectedKey: unknown): { id: string; plaintext: Buffer } => {
    const bytes = typeof blob === 'string' ? Buffer.from(blob, 'base64') : Buffer.alloc(0);
    const invalid = new KmsFault('InvalidCiphertextException', 'The ciphertext is invalid');
    if (bytes.length < 1 + ID_LENGTH + 12 + 16 || bytes[0] !== VERSION) throw invalid;
    const header = bytes.subarray(0, 1 + ID_LENGTH);
    const id = header.subarray(1).toString('ascii');
    const master = masters.get(id);
    if (!master) throw invalid;
    if (expectedKey !== undefined && resolve(expectedKey) !== id) throw new KmsFault('IncorrectKeyException', 'The key is not the one that encrypted the ciphertext');
    try {
      const decipher = createDecipheriv('aes-256-gcm', master, bytes.subarray(header.length, header.length + 12));
      decipher.setAAD(aad(header, context));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return { id, plaintext: Buffer.concat([decipher.update(bytes.subarray(header.length + 12, bytes.length - 16)), decipher.final()]) };
    } catch {
      throw invalid;
    }
  };

  const operations: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    GenerateDataKey(body) {
      const id = resolve(body.KeyId);
      const size = body.KeySpec === 'AES_256' ? 32 : body.KeySpec === 'AES_128' ? 16 : Number(body.NumberOfBytes);
      if (!Number.isInteger(size) || size < 1 || size > 1024) throw new KmsFault('ValidationException', 'KeySpec or NumberOfBytes is required');
      const plaintext = randomBytes(size);
      return { KeyId: arn(id), Plaintext: plaintext.toString('base64'), CiphertextBlob: seal(id, plaintext, body.EncryptionContext).toString('base64') };
    },
    Decrypt(body) {
      const { id, plaintext } = open(body.CiphertextBlob, body.EncryptionContext, body.KeyId);
      return { KeyId: arn(id), Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    ReEncrypt(body) {
      const source = open(body.CiphertextBlob, body.SourceEncryptionContext, body.SourceKeyId);
      const target = resolve(body.DestinationKeyId);
      return {
        SourceKeyId: arn(source.id),
        KeyId: arn(target),
        CiphertextBlob: seal(target, source.plaintext, body.DestinationEncryptionContext).toString('base64'),
        SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    },
  };

  const reply = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 65_536) return reply(res, 413, { __type: 'ValidationException', message: 'request too large' }, 'ValidationException');
      chunks.push(chunk as Buffer);
    }
    try {
      if (req.method !== 'POST') throw new KmsFault('UnknownOperationException', 'only POST is supported');
      if (!req.headers.authorization) throw new KmsFault('MissingAuthenticationTokenException', 'Missing Authentication Token');
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith('TrentService.') ? operations[target.slice('TrentService.'.length)] : undefined;
      if (!operation) throw new KmsFault('UnknownOperationException', 'unsupported operation');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new KmsFault('SerializationException', 'the body is not JSON');
      }
      const name = target.slice('TrentService.'.length);
      calls.push({ operation: name, context: (body.EncryptionContext ?? body.SourceEncryptionContext) as Record<string, string> | undefined });
      reply(res, 200, operation(body));
    } catch (error) {
      const fault = error instanceof KmsFault ? error : new KmsFault('KMSInternalException', 'internal error');
      reply(res, fault.type === 'KMSInternalException' ? 500 : 400, { __type: fault.type, message: fault.message }, fault.type);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    keyArns: ids.map(arn),
    calls,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

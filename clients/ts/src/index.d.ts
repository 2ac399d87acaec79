import type { Connection, Keypair, PublicKey, TransactionInstruction } from "@solana/web3.js";

/** The auction program's id. */
export declare const AUCTION_PROGRAM: PublicKey;
/** The registry account listing the models requests may name. */
export declare const ALLOWED_MODELS: PublicKey;
/** Size of a request account. */
export declare const REQUEST_LEN: 704;

/** The node refused, or answered what the API does not promise. */
export declare class AmbientError extends Error {
  constructor(message: string, status?: number, code?: string);
  /** HTTP status (0 when not from an HTTP answer). */
  status: number;
  /** The error's code (OpenAI's shape), e.g. `not_the_requester`. */
  code: string;
}

/** A chat message. */
export interface Message {
  role: "system" | "user" | "assistant";
  content: string;
}

/** The Request instruction's parameters. */
export interface RequestParams {
  modelId: Uint8Array;
  promptHash: Uint8Array;
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: bigint | number;
  maxPrice: bigint | number;
  bidSlots: number;
  revealSlots: number;
  deadlineSlots: number;
  /** The prompt's length in tokens: the miner's result must report the same. */
  promptTokens: number;
}

/** How to ask. */
export interface RequestOptions {
  /** Most tokens to generate (default 128). */
  maxTokens?: number;
  /** Sampling temperature (default 0: greedy). */
  temperature?: number;
  topK?: number;
  topP?: number;
  /** The sampler's seed (default: from the clock). */
  seed?: bigint | number;
  /** Most paid in all, in lamports (default: the node's suggestion). */
  maxPrice?: number;
}

/** An auction this client opened. */
export interface Job {
  auction: PublicKey;
  messages: Message[];
  promptTokens: number;
  maxPrice: number;
  signature: string;
}

export type AuctionState =
  | "open" | "awarded" | "unfilled" | "delivered" | "timedout" | "verifying" | "paid" | "slashed" | "voided";

export type VerificationStatus = "valid" | "unaudited" | "fraud" | "void" | "pending" | "none";

/** A request account's fields (what the chain records about an auction). */
export interface Request {
  state: AuctionState;
  requester: PublicKey;
  modelId: Buffer;
  promptHash: Buffer;
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: bigint;
  maxPrice: bigint;
  createdSlot: bigint;
  bidEnd: bigint;
  revealEnd: bigint;
  deadline: bigint;
  price: bigint;
  polRoot: Buffer;
  polChain: Buffer;
  outputHash: Buffer;
  tokenCount: number;
  deliveredSlot: bigint;
  committee: PublicKey[];
  validVotes: number;
  fraudVotes: number;
  winnerMiner: PublicKey;
  /** Bid accounts still open on it (it closes only when none is). */
  openBids: number;
  /** False when the job was not drawn for an audit (paid as delivered, credited to no one). */
  audited: boolean;
  verification: VerificationStatus;
}

/** The node's PoL receipt of a job. */
export interface Receipt {
  auction: string;
  state: AuctionState;
  verification: VerificationStatus;
  model_id: string;
  prompt_hash: string;
  output_hash: string;
  pol_root: string;
  pol_chain: string;
  token_count: number;
  miner: string;
  price: number;
  transactions: string[];
  [more: string]: unknown;
}

/** A piece of a streamed answer: text, or at the end the receipt. */
export type StreamEvent = { text: string } | { receipt: Receipt; liveTokens: number };

/** What `Client.verify` found. */
export interface Verification {
  state: AuctionState;
  committee: VerificationStatus;
  prompt: number[];
  output: number[];
  valid: boolean;
}

/** What the requester signs to have a node relay the answer. */
export declare function followMessage(auction: PublicKey): Buffer;
/** The auction's Request instruction. */
export declare function requestInstruction(
  requester: PublicKey,
  request: PublicKey,
  params: RequestParams,
): TransactionInstruction;
/** The auction's Cancel instruction (closes a finished or bid-less request). */
export declare function cancelInstruction(
  requester: PublicKey,
  request: PublicKey,
  destination: PublicKey,
): TransactionInstruction;
/** Decodes a request account; throws an AmbientError on malformed data. */
export declare function decodeRequest(data: Uint8Array): Request;
/** A predicate for `Client.wait`: the auction is over. */
export declare function untilFinal(r: Request): boolean;

/** A client of one node, paying with its own key. */
export declare class Client {
  constructor(rpcUrl: string, apiUrl: string, payer: Keypair);
  readonly connection: Connection;
  readonly apiUrl: string;
  readonly payer: Keypair;
  /** The network model's name. */
  model(): Promise<string>;
  /** Opens an auction for `messages`, paid with this client's key. */
  request(messages: Message[], opts?: RequestOptions): Promise<Job>;
  /** The winning miner's answer as it is generated, then the receipt. */
  stream(job: Job): AsyncGenerator<StreamEvent, void, void>;
  /** The auction's request account now, or null. */
  status(auction: PublicKey): Promise<Request | null>;
  /** Follows the auction until `done` holds for it. */
  wait(auction: PublicKey, done?: (r: Request) => boolean, timeoutMs?: number): Promise<Request>;
  /** The node's receipt of the job. */
  receipt(auction: PublicKey): Promise<Receipt>;
  /** Checks the job against the chain's record and the blob store. */
  verify(auction: PublicKey): Promise<Verification>;
  /** Closes a finished auction this client opened (rent, or an unfilled one's escrow, back). */
  close(auction: PublicKey): Promise<string>;
}

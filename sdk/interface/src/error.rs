//! The auction's error codes (returned as `InstructionError::Custom(code)`).

use solana_instruction::error::InstructionError;

macro_rules! codes {
    ($($name:ident = $code:literal : $msg:literal,)*) => {
        /// Everything the auction rejects, each with a stable code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
        #[repr(u32)]
        pub enum AuctionError {
            $(#[doc = $msg] #[error($msg)] $name = $code,)*
        }

        impl AuctionError {
            /// The error for a custom code, if it is one of ours.
            pub fn from_code(code: u32) -> Option<Self> {
                match code {
                    $($code => Some(AuctionError::$name),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    MalformedInstruction = 0x4101: "malformed instruction data",
    UnsupportedVersion = 0x4102: "unsupported instruction version",
    WrongOwner = 0x4103: "account is not owned by the auction program",
    WrongSize = 0x4104: "account has the wrong size",
    AlreadyInitialized = 0x4105: "account is already initialised",
    NotInitialized = 0x4106: "account is not initialised",
    MissingSignature = 0x4107: "missing required signature",
    NotWritable = 0x4108: "account must be writable",
    EscrowMismatch = 0x4109: "request lamports are not rent-exempt minimum plus the maximum price",
    BadParameters = 0x410a: "invalid request parameters",
    WrongState = 0x410b: "the request is not in a state that allows this",
    BiddingClosed = 0x410c: "the bid window is over",
    NotRevealPhase = 0x410d: "reveals are accepted only between the bid window and the reveal deadline",
    RevealMismatch = 0x410e: "price and salt do not match the sealed bid",
    PriceAboveMax = 0x410f: "revealed price is above the request's maximum",
    TooEarly = 0x4110: "too early for this step",
    WrongRequest = 0x4111: "the bid belongs to another request",
    WrongMiner = 0x4112: "signer is not the bid's miner",
    WrongRequester = 0x4113: "signer is not the requester",
    BondTooSmall = 0x4114: "bid bond is below the request's minimum (its maximum price, at least MIN_BID_BOND)",
    HasBids = 0x4115: "a request with bids cannot be cancelled",
    AlreadyRevealed = 0x4116: "the bid is already revealed",
    WinnerCannotWithdraw = 0x4117: "the winning bid's bond stays until the job is finalised",
    NotWinner = 0x4118: "the bid is not the request's winner",
    DeadlinePassed = 0x4119: "the result deadline has passed",
    BadResult = 0x411a: "the result's token count is zero or above the request's maximum, or its prompt count is not the request's",
    WrongBurnAccount = 0x411b: "the burn account must be the incinerator",
    WrongLStakeTable = 0x411c: "not the LStake table account",
    SeedUnavailable = 0x411d: "no slot hash to seed the committee: every seed slot was skipped",
    NoVerifiers = 0x411e: "no identity with LStake can verify this job",
    NotInCommittee = 0x411f: "signer is not in the job's verifier committee",
    AlreadyVoted = 0x4120: "this committee member already voted",
    WrongModelList = 0x4121: "not the allowed-models account",
    ModelNotAllowed = 0x4122: "the network does not serve this model",
    WrongWorkBook = 0x4123: "not the work book account",
    WrongRewardPool = 0x4124: "not the reward pool account",
    DrawWindowPassed = 0x4125: "the committee draw window has passed (the job can only be voided)",
    NotBonded = 0x4126: "the voter has no verifier record bonded with at least MIN_VERIFIER_BOND (or it is unbonding)",
    WrongRecord = 0x4127: "a committee member's verifier record is not at its derived address",
    WrongRegistry = 0x4128: "the registry program or the auction's slasher account is missing",
    EvidenceMismatch = 0x4129: "the vote's evidence does not hold against the job's result (or does not fit the vote)",
    MissingRecords = 0x412a: "the draw needs the verifier record of every candidate it walks, in draw order",
    AppealWindowPassed = 0x412b: "the appeal window of this verdict has passed",
    NotAppellant = 0x412c: "only the party the verdict goes against may appeal it (the miner a fraud verdict, the requester a valid one)",
    WrongAppeal = 0x412d: "not the request's appeal account, or its appellant",
    AppealBondTooSmall = 0x412e: "the appeal bond is below the request's maximum price (at least MIN_APPEAL_BOND)",
}

impl From<AuctionError> for InstructionError {
    fn from(e: AuctionError) -> Self {
        InstructionError::Custom(e as u32)
    }
}

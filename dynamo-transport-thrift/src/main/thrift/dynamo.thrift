/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 *
 * The wire protocol of dynamo-kv: a client service (applications, the CLI, the partition-aware
 * client library) on a node's client port, and a peer service (node to node, and operators' admin
 * commands) on its peer port. Each port is served by its own TThreadedSelectorServer with framed
 * transport and the compact protocol; neither port answers the other's methods. Every peer and
 * admin message travels on an authenticated channel (docs/security.md).
 *
 * Compatibility rules (Thrift's own): never renumber or retype a field, never make an optional
 * field required, add new fields as optional with new ids. New peer messages need no change here:
 * a peer message travels as a PeerFrame (its protocol's id and the core codec's bytes), and a node
 * answers a protocol or format it does not know with INVALID_REQUEST naming it, which the sender
 * treats as a remote failure.
 *
 * Regenerate the Java code with dynamo-transport-thrift/regenerate-thrift.sh (Thrift compiler 0.17).
 */
namespace java io.dynamokv.transport.thrift.gen

/** Why a request failed. Mirrors io.dynamokv.core.FailureCode. */
enum ErrorCode {
  /** Fewer than R (or W) replicas answered in time: for a write the outcome is unknown. */
  INSUFFICIENT_REPLICAS = 1,
  /** The store is not declared on the node. Nothing was written. */
  STORE_NOT_FOUND = 2,
  /** A key, value, context or sibling set is over a limit. Nothing was written. */
  LIMIT_EXCEEDED = 3,
  /**
   * The context is not one this cluster signed for this store and key: damaged or altered, signed
   * with another cluster's secret (or a rotated-out one), or made for another key. Nothing was
   * written; read the key again for a fresh context.
   */
  INVALID_CONTEXT = 4,
  /** The request is malformed (missing field, quorum above N, unsupported message). */
  INVALID_REQUEST = 5,
  /** A forwarded write reached a node that does not own the key. Nothing was written. */
  NOT_A_REPLICA = 6,
  /** The node is shutting down and refuses new requests. Nothing was written. */
  SHUTTING_DOWN = 7,
  /** An unexpected server error; the outcome of a write is unknown. */
  INTERNAL = 8,
  /**
   * The caller did not prove it holds the credential the method needs (the cluster secret, an admin
   * token), or a message of its channel was replayed or altered. Nothing was done.
   */
  UNAUTHENTICATED = 9
}

/**
 * A request failed. For INSUFFICIENT_REPLICAS, answered and quorum are the replica counts.
 */
exception DynamoError {
  1: required ErrorCode code,
  2: required string message,
  3: optional i32 answered = 0,
  4: optional i32 quorum = 0
}

// ---------------------------------------------------------------------------------------------
// Client service
// ---------------------------------------------------------------------------------------------

/** Options every data request may carry; unset means the store's or server's default. */
struct RequestOptions {
  /** R for a read, W for a write, 1..N. */
  1: optional i32 quorum,
  /** How long the coordinator waits for the quorum. */
  2: optional i64 timeoutMillis
}

struct GetRequest {
  1: required string store,
  2: required binary key,
  3: optional RequestOptions options
}

/**
 * Where and when the write of one value was coordinated: advisory, for an application's
 * reconciliation (the wall clock of one node); never what decides causality.
 */
struct SiblingInfo {
  /** The node that coordinated the write. */
  1: required string coordinator,
  /** Its wall-clock time of the write, in milliseconds since the epoch. */
  2: required i64 writtenAtMillis
}

struct GetResponse {
  /** Every causally maximal value; empty when the key is absent or deleted. */
  1: required list<binary> values,
  /** Opaque: pass it back with the write that follows this read. */
  2: required binary context,
  /** One per value, in the same order (servers of earlier builds send none). */
  3: optional list<SiblingInfo> siblings
}

struct PutRequest {
  1: required string store,
  2: required binary key,
  3: required binary value,
  /** The context of the read this write follows; empty for a blind write. */
  4: required binary context,
  5: optional RequestOptions options
}

struct DeleteRequest {
  1: required string store,
  2: required binary key,
  3: required binary context,
  4: optional RequestOptions options
}

struct WriteResponse {
  /** The context of the written version. */
  1: required binary context
}

/** A store as the node declares it. */
struct StoreInfo {
  1: required string name,
  2: required i32 replicas,
  3: required i32 readQuorum,
  4: required i32 writeQuorum,
  5: required i32 maxKeyBytes,
  6: required i32 maxValueBytes,
  7: optional i32 maxSiblings,
  8: optional i32 maxBytesPerKey,
  9: optional i32 maxContextBytes
}

/** One member of the cluster as the answering node sees it. */
struct MemberInfo {
  1: required string id,
  /** host:port of the member's client port. */
  2: required string address,
  3: required string zone,
  /** JOINING, NORMAL, LEAVING, LEFT or REMOVED. */
  4: required string status,
  /** The answering node's failure detector's opinion. */
  5: required bool reachable,
  /** Share of the ring's partitions (or token space) the member owns, 0..1. */
  6: required double ownership,
  7: required i64 generation,
  /** host:port of the member's peer port (peers and admin commands); unset from older nodes. */
  8: optional string peerAddress
}

/** What a partition-aware client needs to route requests itself. */
struct ClusterInfo {
  /** The id of the answering node. */
  1: required string nodeId,
  /** 0 while the cluster has no ring. */
  2: required i64 ringVersion,
  /** The ring in io.dynamokv.core.ring.RingCodec's format; empty while there is none. */
  3: required binary ring,
  4: required list<MemberInfo> members,
  5: required list<StoreInfo> stores
}

/** One figure of a status section (io.dynamokv.core.StatusSection.Stat). */
struct StatInfo {
  /** Lower-case words separated by dots, e.g. quorum.failures. */
  1: required string name,
  /** True for a count of events that only grows, false for a gauge. */
  2: required bool counter,
  /** What tells figures of one name apart, e.g. reason=malformed. */
  3: required map<string, string> tags,
  4: required i64 value,
  5: optional string help
}

/**
 * One part of a node's status, contributed by the protocol or room it describes (coordinator,
 * gossip, formats; later hints, anti-entropy, transfer). New sections and figures travel here
 * without a change of this file.
 */
struct StatusSectionInfo {
  1: required string name,
  2: required list<StatInfo> stats
}

/** The answering node's own state and counters, for `dynamo status`. */
struct NodeStatusInfo {
  1: required ClusterInfo cluster,
  /** Counters by name (reads, writes, quorum failures, gossip rounds and refusals). */
  2: required map<string, i64> counters,
  3: required string storageEngine,
  4: required i64 storageBytes,
  /** Every status section of the node, in the node's order. */
  5: optional list<StatusSectionInfo> sections
}

/** One version a node stores for a key (io.dynamokv.core.version.Versioned). */
struct LocalVersion {
  /** The value; for a tombstone, its marker (usually empty). */
  1: required binary value,
  2: required bool tombstone,
  /** The coordinator's wall clock when the version was written, ms since the epoch. */
  3: required i64 wallMillis
}

/** What the answering node stores for a key in its own data (io.dynamokv.core.node.LocalCopy). */
struct LocalReadResponse {
  /** The id of the answering node. */
  1: required string nodeId,
  /** Every sibling it stores, tombstones included; empty when it holds nothing for the key. */
  2: required list<LocalVersion> versions,
  /** Whether the node is one of the key's owners in its own ring. */
  3: required bool owner,
  /** The key's owners (preference list) in that ring, in order; empty while it has no ring. */
  4: required list<string> owners,
  /** That ring's version, 0 while there is none. */
  5: required i64 ringVersion
}

/** The API applications and the CLI use. Any node coordinates any request. */
service DynamoService {
  GetResponse get(1: GetRequest request) throws (1: DynamoError error),
  WriteResponse put(1: PutRequest request) throws (1: DynamoError error),
  WriteResponse erase(1: DeleteRequest request) throws (1: DynamoError error),

  /** The ring, members and stores, for partition-aware routing. */
  ClusterInfo cluster() throws (1: DynamoError error),
  NodeStatusInfo status() throws (1: DynamoError error),
  /**
   * Proves the node serves `store` end to end: it puts, gets and deletes its reserved probe key
   * ("\0dynamo:probe:" + node id) with the store's quorums, as coordinator. Returns once all three
   * succeeded; throws the failure of the first that did not. Client writes to keys starting with
   * "\0dynamo:" are refused.
   */
  void probe(1: string store) throws (1: DynamoError error),
  /**
   * Debugging: what this node stores for `key` in its own data, read locally: no quorum, no
   * forwarding, no repair, hints it holds for other owners not included, and no context to write
   * with. Fails with STORE_NOT_FOUND, or INVALID_REQUEST / LIMIT_EXCEEDED for a bad key.
   */
  LocalReadResponse localRead(1: string store, 2: binary key) throws (1: DynamoError error)

  // Methods 7 to 9 (join, leave, removeNode) moved to the admin requests of the peer port.
}

// ---------------------------------------------------------------------------------------------
// Peer service
// ---------------------------------------------------------------------------------------------

/**
 * One peer message as its protocol carries it: the protocol's id (io.dynamokv.core.wire.PeerProtocols:
 * 1 failure, 2 membership, 3 coordination; later hints, anti-entropy, transfer) and the bytes of
 * that protocol's codec in dynamo-core, which start with a format byte. A protocol added to the
 * core travels here without touching this file; the transport never looks inside the bytes.
 */
struct PeerFrame {
  1: required i32 protocol,
  2: required binary message
}

/**
 * Every request one node sends another. Members 1 to 4 (one struct per message) were retired by
 * issue 16: a node of an older release answers a frame as an unknown member (INVALID_REQUEST,
 * "unsupported message"), and this one answers their members the same way.
 */
union PeerRequest {
  5: PeerFrame frame
}

/**
 * Every reply, a frame of the request's protocol or of protocol 1 (a failure). Members 1 to 4 and
 * 15 were retired by issue 16, as for PeerRequest.
 */
union PeerResponse {
  5: PeerFrame frame
}

/** One peer request with its addressing. */
struct PeerEnvelope {
  /** The sending node's id. */
  1: required string sender,
  /** The node the sender meant: a node answers INVALID_REQUEST to a message for another id. */
  2: required string target,
  3: required PeerRequest request
}

// ---------------------------------------------------------------------------------------------
// Authenticated channels (io.dynamokv.core.security.SecureChannel, docs/security.md)
// ---------------------------------------------------------------------------------------------

/** Opens a channel: the first call on a peer-port connection. */
struct ChannelHello {
  /** The handshake version; 1. */
  1: required i32 version,
  /** "peer" (a node; the cluster secret's "peers" key) or "admin" (an admin token's key). */
  2: required string role,
  /** The calling node's id, or "admin". */
  3: required string sender,
  /** The id of the node meant. */
  4: required string target,
  /** The key id of the secret the caller's key derives from (rotation: any the node holds). */
  5: required i32 keyId,
  /** 32 fresh random bytes. */
  6: required binary nonce
}

/** The node's half of the handshake. */
struct ChannelWelcome {
  /** 32 fresh random bytes. */
  1: required binary nonce,
  /** HMAC(connection key, "server"): the node holds the key. */
  2: required binary proof
}

/**
 * One message of a channel: requests are numbered 1, 2, 3, ... per connection, a reply carries its
 * request's number, and mac is HMAC(connection key, direction | sequence | payload).
 */
struct Sealed {
  1: required i64 sequence,
  /** A peer channel's request: a PeerEnvelope; its reply: a PeerResponse; admin: AdminRequest, AdminReply. */
  2: required binary payload,
  3: required binary mac
}

/**
 * Admin: this node asks the cluster for partitions. Without a seed (bin/dynamo join) it asks
 * through its configured seeds: a STANDBY member (or one that left or was removed) becomes JOINING.
 * With both fields it joins through the seed node seedId at seedAddress (its peer host:port).
 * Both were required before the join command existed; a node of that release refuses a join
 * without them as INVALID_REQUEST.
 */
struct JoinCommand {
  1: optional string seedId,
  2: optional string seedAddress
}

/** Admin: this node leaves the cluster, handing its ranges to the others. */
struct LeaveCommand {
}

/** Admin: removes a dead node from the ring for good. */
struct RemoveCommand {
  1: required string nodeId
}

/**
 * Admin: this node starts a full anti-entropy pass now (every partition it holds, with each other
 * replica). With wait, the reply comes once the pass is done; otherwise once it has started.
 */
struct RepairCommand {
  1: optional bool wait
}

/** A change of the cluster's capacity an operator asks for (io.dynamokv.core.transfer.ClusterChange). */
enum ChangeKind {
  JOIN = 1,
  LEAVE = 2,
  REMOVE = 3
}

/**
 * Admin: what a change would move if committed now (partitions, copies and bytes), computed by this
 * node; changes nothing. The node the change is about is nodeId, or this node when unset (join and
 * leave are asked of the node itself). Answered in AdminReply.plan; a node of an older release
 * answers INVALID_REQUEST (no command it knows).
 */
struct PlanCommand {
  1: required ChangeKind kind,
  2: optional string nodeId
}

/** PlanCommand's answer: exactly one member is set. */
union ChangePlan {
  /** What the change would move, for operators, one fact a line. */
  1: string text,
  /** Why the change cannot be made now (the node would refuse to commit it too). */
  2: string refused,
  /** Why this node cannot compute plans; the change itself may still be committed. */
  3: string unavailable
}

/** An operator's command, on an admin channel. */
union AdminRequest {
  1: JoinCommand join,
  2: LeaveCommand leave,
  3: RemoveCommand remove,
  4: RepairCommand repair,
  5: PlanCommand plan
}

/** The outcome of an admin command: no code means it was done. */
struct AdminReply {
  1: optional ErrorCode code,
  2: optional string message,
  /** PlanCommand's answer (set when there is no code). */
  3: optional ChangePlan plan
}

/** Node-to-node messages and operators' commands: the peer port. */
service PeerService {
  /** Opens the connection's channel; once per connection, before any exchange. */
  ChannelWelcome hello(1: ChannelHello hello) throws (1: DynamoError error),
  /**
   * One request of the connection's channel. Refused (UNAUTHENTICATED) without a channel, out of
   * sequence, with a wrong MAC, and after any such refusal.
   */
  Sealed exchange(1: Sealed request) throws (1: DynamoError error)
}

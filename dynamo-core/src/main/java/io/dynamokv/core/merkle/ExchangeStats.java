/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import io.dynamokv.core.merkle.AntiEntropyMessage.Reason;
import java.util.List;

/**
 * What one exchange did, as its initiator saw it. Byte counts are payload: the sum of the encoded
 * messages' sizes ({@link AntiEntropyCodec}), without the transport's framing.
 *
 * @param outcome how it ended
 * @param refusal why the responder refused, for {@link Outcome#REFUSED}; else null
 * @param keysCompared the keys in the key lists compared (both sides' entries)
 * @param differingKeys the keys found to differ, hence synced
 * @param repairedHere keys whose set the initiator's merge changed
 * @param repairedThere keys whose set the responder's merge changed (as it reported)
 * @param bytesSent payload bytes of the initiator's requests
 * @param bytesReceived payload bytes of the responder's replies
 * @param compareRoundTrips root comparisons and descend requests
 * @param syncRoundTrips sync requests
 * @param onlyHere in a pull-only exchange, the keys the initiator holds and the responder does not
 *     (user keys; empty otherwise): what a replica that lost track may hold alone
 */
public record ExchangeStats(
    Outcome outcome,
    Reason refusal,
    long keysCompared,
    long differingKeys,
    long repairedHere,
    long repairedThere,
    long bytesSent,
    long bytesReceived,
    int compareRoundTrips,
    int syncRoundTrips,
    List<byte[]> onlyHere) {
  public ExchangeStats {
    onlyHere = List.copyOf(onlyHere);
  }

  /** How an exchange ended. */
  public enum Outcome {
    /** Both trees were compared and every differing key synced both ways. */
    COMPLETED,
    /** The responder refused ({@link ExchangeStats#refusal}); nothing was synced after it. */
    REFUSED,
    /** The initiator's own tree was not ready: nothing was sent. */
    NOT_READY
  }

  /** Every request sent: {@code compareRoundTrips + syncRoundTrips}. */
  public int roundTrips() {
    return compareRoundTrips + syncRoundTrips;
  }

  /** Payload bytes both ways. */
  public long bytes() {
    return bytesSent + bytesReceived;
  }
}

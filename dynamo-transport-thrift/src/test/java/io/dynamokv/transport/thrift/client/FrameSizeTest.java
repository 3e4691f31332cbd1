/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.transport.thrift.gen.DeleteRequest;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.PutRequest;
import io.dynamokv.transport.thrift.gen.RequestOptions;
import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.thrift.TBase;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.transport.TMemoryBuffer;

/** {@link FrameSize} counts exactly the bytes the compact protocol writes for a call. */
class FrameSizeTest {
  @Property(tries = 200)
  void countsExactlyWhatTheProtocolWrites(
      @ForAll @IntRange(min = 1, max = 20) int storeLength,
      @ForAll @IntRange(min = 1, max = 2000) int keyLength,
      @ForAll @IntRange(min = 0, max = 70_000) int valueLength,
      @ForAll @IntRange(min = 0, max = 300) int contextLength,
      @ForAll @IntRange(min = 0, max = 7) int quorum)
      throws Exception {
    PutRequest put =
        new PutRequest(
            "s".repeat(storeLength),
            ByteBuffer.wrap(new byte[keyLength]),
            ByteBuffer.wrap(new byte[valueLength]),
            ByteBuffer.wrap(new byte[contextLength]));
    RequestOptions options = new RequestOptions().setTimeoutMillis(2000);
    if (quorum > 0) {
      options.setQuorum(quorum);
    }
    put.setOptions(options);
    assertThat(FrameSize.of("put", new DynamoService.put_args(put)))
        .isEqualTo(written("put", new DynamoService.put_args(put)));

    DeleteRequest delete =
        new DeleteRequest(
            "s".repeat(storeLength),
            ByteBuffer.wrap(new byte[keyLength]),
            ByteBuffer.wrap(new byte[contextLength]));
    delete.setOptions(options);
    assertThat(FrameSize.of("erase", new DynamoService.erase_args(delete)))
        .isEqualTo(written("erase", new DynamoService.erase_args(delete)));
  }

  private static long written(String method, TBase<?, ?> args) throws Exception {
    TMemoryBuffer buffer = new TMemoryBuffer(1024);
    TCompactProtocol protocol = new TCompactProtocol(buffer);
    protocol.writeMessageBegin(new TMessage(method, TMessageType.CALL, Integer.MAX_VALUE));
    args.write(protocol);
    protocol.writeMessageEnd();
    return buffer.length();
  }
}

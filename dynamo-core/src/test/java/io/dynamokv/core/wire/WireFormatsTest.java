/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.InvalidRequestException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** How a format change rolls through a cluster: the rule, and the binary toolkit's refusals. */
class WireFormatsTest {
  private static final WireFormat SIBLINGS = new WireFormat("siblings", 1, 3);

  /** A node of the next release reads siblings 3 and a hints protocol. */
  private static final Map<String, Integer> NEXT =
      new TreeMap<>(
          Map.of(
              "coordination",
              1,
              "failure",
              1,
              "hints",
              1,
              "membership",
              3,
              "ring",
              2,
              "siblings",
              3));

  @Test
  void nothingNewerIsWrittenUntilEveryMemberReadsIt() {
    // an upgraded node among two of this release (which gossip no table: the baseline)
    Map<String, Integer> agreed = WireFormats.agreed(NEXT, List.of(Map.of(), Map.of()));
    assertThat(agreed).containsEntry("siblings", 2).doesNotContainKey("hints");
    assertThat(WireFormats.toWrite(SIBLINGS, agreed)).isEqualTo(2);
    assertThatThrownBy(() -> WireFormats.toWrite(new WireFormat("hints", 1, 1), agreed))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not every member reads a hints format");
    // one of the others upgraded: still the old format
    assertThat(WireFormats.agreed(NEXT, List.of(NEXT, Map.of()))).containsEntry("siblings", 2);
    // every member upgraded: the new format and the new protocol
    Map<String, Integer> all = WireFormats.agreed(NEXT, List.of(NEXT, NEXT));
    assertThat(WireFormats.toWrite(SIBLINGS, all)).isEqualTo(3);
    assertThat(all).containsEntry("hints", 1);
  }

  @Test
  void aNodeNeverWritesAboveWhatItReadsItself() {
    Map<String, Integer> agreed = WireFormats.agreed(WireFormats.BASELINE, List.of(NEXT, NEXT));
    assertThat(agreed).isEqualTo(WireFormats.BASELINE);
    assertThat(WireFormats.toWrite(new WireFormat("siblings", 1, 2), agreed)).isEqualTo(2);
  }

  @Test
  void formatsNameWhatIsWrongWithBytesTheyRefuse() {
    assertThat(SIBLINGS.unreadable(7))
        .isEqualTo(
            "siblings format 7 is not one this node reads (1 to 3): it was written by a newer"
                + " version; upgrade this node");
    assertThat(SIBLINGS.unreadable(0)).endsWith("these bytes are not a siblings encoding");
    assertThat(WireFormat.isName("anti-entropy")).isTrue();
    assertThat(WireFormat.isName("Siblings")).isFalse();
    assertThatThrownBy(() -> new WireFormat("ring", 2, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property
  void varintsRoundTrip(@ForAll long unsigned, @ForAll long signed) {
    byte[] bytes = new WireWriter().varint(unsigned & Long.MAX_VALUE).zigzag(signed).toByteArray();
    WireReader in = new WireReader("test", bytes);
    assertThat(in.varint("a")).isEqualTo(unsigned & Long.MAX_VALUE);
    assertThat(in.zigzag("b")).isEqualTo(signed);
    in.end();
  }

  @Test
  void malformedInputIsRefusedNamingTheField() {
    WireReader eleven =
        new WireReader("test", new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1});
    assertThatThrownBy(() -> eleven.varint("count"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("malformed test: count is a varint longer than 64 bits");
    assertThatThrownBy(() -> new WireReader("test", new byte[] {2}).bool("flag"))
        .hasMessage("malformed test: flag is 2, not a boolean");
    assertThatThrownBy(() -> new WireReader("test", new byte[] {5, 1}).format(SIBLINGS))
        .hasMessageStartingWith("siblings format 5 is not one this node reads");
  }
}

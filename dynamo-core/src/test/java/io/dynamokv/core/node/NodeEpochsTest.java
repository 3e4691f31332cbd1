/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Host;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.core.version.EpochSource;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NodeEpochsTest {
  private static final NodeId SELF = NodeId.of("n1");

  /** A machine whose boot id a test controls. */
  private static final class TestHost implements Host {
    String bootId = "boot-1";
    byte[] record;

    @Override
    public String bootId() {
      return bootId;
    }

    @Override
    public byte[] readLeaseRecord() {
      return record == null ? null : record.clone();
    }

    @Override
    public void writeLeaseRecord(byte[] bytes) {
      record = bytes.clone();
    }
  }

  private final TestHost host = new TestHost();
  private final MemoryStorageEngine.Directory disk = new MemoryStorageEngine.Directory();

  private static Clock wallClockAt(long millis) {
    return new Clock() {
      @Override
      public long nanoTime() {
        return 0;
      }

      @Override
      public long wallMillis() {
        return millis;
      }
    };
  }

  private NodeEpochs start() {
    return start(disk, false);
  }

  private NodeEpochs start(MemoryStorageEngine.Directory directory, boolean forceNew) {
    return new NodeEpochs(
        MemoryStorageEngine.open(directory), host, SELF, wallClockAt(1000), forceNew, false);
  }

  private static long lease(NodeEpochs epochs, long floor) {
    try {
      return epochs.leaseAbove(floor);
    } catch (NodeEpochs.LeaseNeeded needed) {
      epochs.extendLease(needed.epoch);
      return epochs.leaseAbove(floor);
    }
  }

  @Test
  void neverReissuesAnEpochAcrossCrashes() {
    Set<Long> issued = new HashSet<>();
    long incarnation = -1;
    for (int life = 0; life < 5; life++) {
      // No close: every life ends in a crash. The wall clock even goes back: it must not matter.
      NodeEpochs epochs =
          new NodeEpochs(
              MemoryStorageEngine.open(disk), host, SELF, wallClockAt(1000 - life), false, false);
      assertThat(incarnation == -1 || epochs.incarnation() == incarnation)
          .as("a synced directory keeps its incarnation across crashes")
          .isTrue();
      incarnation = epochs.incarnation();
      for (int i = 0; i < 1500 + life * 7; i++) {
        long epoch = lease(epochs, -1);
        assertThat(epoch).isGreaterThanOrEqualTo(incarnation).isLessThan(epochs.leasedBelow());
        assertThat(issued.add(epoch)).isTrue();
      }
    }
  }

  @Test
  void aNewDirectoryStartsAboveEveryEpochOfAnEarlierLifeEvenWhenTheClockWentBack() {
    NodeEpochs first = start(new MemoryStorageEngine.Directory(), false);
    long last = 0;
    for (int i = 0; i < 10_000; i++) {
      last = lease(first, -1);
    }
    NodeEpochs second =
        new NodeEpochs(
            MemoryStorageEngine.create(), host, SELF, wallClockAt(1), false, false); // clock back
    assertThat(second.started().fresh()).isTrue();
    assertThat(second.started().reason()).contains("new data directory");
    assertThat(second.incarnation()).isGreaterThan(last);
  }

  /**
   * A node that lost its directory and its lease copy has only the wall clock to start above its
   * old epochs: epochs must follow today's clock, not stop at a cap in the past (a cap below 2026
   * once gave every such start the same epoch).
   */
  @Test
  void withNothingRememberedTheIncarnationFollowsTodaysWallClock() {
    long dec2026 = 1_796_083_200_000L; // 2026-12-01T00:00:00Z
    long first =
        new NodeEpochs(
                MemoryStorageEngine.create(),
                new TestHost(),
                SELF,
                wallClockAt(dec2026),
                false,
                false)
            .incarnation();
    long later =
        new NodeEpochs(
                MemoryStorageEngine.create(),
                new TestHost(),
                SELF,
                wallClockAt(dec2026 + 1),
                false,
                false)
            .incarnation();
    assertThat(first).isGreaterThanOrEqualTo(dec2026 * 1_000_000L);
    assertThat(later).isGreaterThan(first);
  }

  @Test
  void leasesAboveTheFloorAndAsksForALeaseOutsideItsBlock() {
    NodeEpochs epochs = start();
    long base = epochs.incarnation();
    assertThat(epochs.leaseAbove(base + 10)).isEqualTo(base + 11);
    assertThatThrownBy(() -> epochs.leaseAbove(base + 5_000))
        .isInstanceOf(NodeEpochs.LeaseNeeded.class);
    assertThat(lease(epochs, base + 5_000)).isEqualTo(base + 5_001);
    assertThat(epochs.leasedBelow()).isGreaterThan(base + 5_001);
    // A floor no node can have leased is ignored rather than followed up to the end of the range.
    assertThat(epochs.leaseAbove(Long.MAX_VALUE)).isEqualTo(base + 5_002);
  }

  @Test
  void aCleanStopKeepsTheIncarnationInEveryDurability() {
    for (Durability d : Durability.values()) {
      MemoryStorageEngine.Directory dir = new MemoryStorageEngine.Directory().durability(d);
      NodeEpochs first = start(dir, false);
      first.recordCleanStop();
      NodeEpochs second = start(dir, false);
      assertThat(second.started().fresh()).as("%s after a clean stop", d).isFalse();
      assertThat(second.started().reason()).contains("clean");
      assertThat(second.incarnation()).isEqualTo(first.incarnation());
      // The record is deleted durably at start: a crash now is not mistaken for a clean stop.
      dir.loseUnflushed(0);
      host.bootId = host.bootId + "'";
      NodeEpochs third = start(dir, false);
      assertThat(third.started().fresh()).as("%s after a crash", d).isEqualTo(d != Durability.SYNC);
    }
  }

  @ParameterizedTest
  @EnumSource(Durability.class)
  void anUncleanStopStartsANewIncarnationExactlyWhenItMayHaveLostCommits(Durability durability) {
    disk.durability(durability);
    NodeEpochs first = start();
    long used = lease(first, -1);

    NodeEpochs sameBoot = start(); // a process crash: the OS kept running
    boolean lossy = durability == Durability.NO_SYNC;
    assertThat(sameBoot.started().fresh()).as("same boot").isEqualTo(lossy);

    host.bootId = "boot-2"; // the OS crashed or lost power
    NodeEpochs newBoot = start();
    assertThat(newBoot.started().fresh())
        .as("after a reboot")
        .isEqualTo(durability != Durability.SYNC);

    host.bootId = ""; // a host that cannot tell
    NodeEpochs unknown = start();
    assertThat(unknown.started().fresh())
        .as("unknown boot")
        .isEqualTo(durability != Durability.SYNC);
    if (unknown.started().fresh()) {
      assertThat(unknown.incarnation()).isGreaterThan(used);
      assertThat(unknown.started().reason()).contains("not clean");
    }
  }

  @Test
  void theLeaseIsFlushedBeforeUseSoAnOsCrashNeverHandsAnEpochOutTwice() {
    disk.durability(Durability.WRITE_NO_SYNC);
    Set<Long> issued = new HashSet<>();
    for (int life = 0; life < 4; life++) {
      NodeEpochs epochs = start();
      for (int i = 0; i < 3000; i++) {
        assertThat(issued.add(lease(epochs, -1))).isTrue();
      }
      disk.loseUnflushed(0); // everything the engine did not flush is gone
      host.bootId = "boot-after-crash-" + life;
    }
  }

  @Test
  void aDirectoryBehindItsLeaseCopyWasRestoredAndStartsANewIncarnation() {
    NodeEpochs first = start();
    MemoryStorageEngine.Directory backup = disk.copy();
    long used = 0;
    for (int i = 0; i < 3000; i++) { // past the backup's lease: the copy outside moves on
      used = lease(first, -1);
    }
    first.recordCleanStop();

    NodeEpochs restored = start(backup, false);

    assertThat(restored.started().fresh()).isTrue();
    assertThat(restored.started().reason()).contains("restored from a backup");
    assertThat(restored.incarnation()).isGreaterThan(used);
  }

  @Test
  void anOperatorCanAskForANewIncarnation() {
    NodeEpochs first = start();
    first.recordCleanStop();
    NodeEpochs forced = start(disk, true);
    assertThat(forced.started().fresh()).isTrue();
    assertThat(forced.incarnation()).isGreaterThan(first.incarnation());
  }

  @Test
  void aLeaseRecordOfAnotherNodeIsRefusedAndAnUnreadableOneStartsANewIncarnation() {
    start();
    assertThatThrownBy(
            () ->
                new NodeEpochs(
                    MemoryStorageEngine.create(),
                    host,
                    NodeId.of("n2"),
                    wallClockAt(5),
                    false,
                    false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("holds the epoch lease of node n1, not of n2");

    NodeEpochs first = start();
    first.recordCleanStop();
    host.record = new byte[] {1, 2, 3};
    NodeEpochs afterDamage = start();
    assertThat(afterDamage.started().fresh()).isTrue();
    assertThat(afterDamage.started().reason()).contains("unreadable");
    assertThat(afterDamage.incarnation()).isGreaterThan(first.incarnation());
  }

  @Test
  void switchingToSyncAfterAnUncleanStopDoesNotHideWhatWasLost() {
    disk.durability(Durability.WRITE_NO_SYNC);
    NodeEpochs first = start();
    lease(first, -1);
    host.bootId = "boot-2"; // an OS crash under write-no-sync...
    disk.durability(Durability.SYNC); // ...and the operator switches to sync before restarting
    NodeEpochs after = start();
    assertThat(after.started().fresh()).isTrue();
    assertThat(after.incarnation()).isGreaterThan(first.incarnation());
  }

  @Test
  void theCeilingIgnoresNoLeasedEpochAndStaysFarFromTheEndOfTheRange() {
    NodeEpochs epochs = start();
    long leased = lease(epochs, -1);
    assertThat(epochs.ceiling()).isGreaterThan(leased).isGreaterThanOrEqualTo(epochs.leasedBelow());
    assertThat(epochs.ceiling()).isLessThan(EpochSource.MAX_EPOCH / 2);
  }
}

/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.membership.NodeStatus;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AddressBookTest {
  private static final NodeId SELF = NodeId.of("n1");
  private static final NodeId SEED = NodeId.of("n2");
  private static final NodeId OTHER = NodeId.of("n3");

  @Test
  void aReachableNodesGossipedAddressWinsOverConfiguration() {
    AddressBook book = new AddressBook(Map.of(SEED, addr("h", 7000)));
    book.follow(() -> view(member(SEED, "h:7001", true)));
    assertThat(book.resolve(SEED)).contains(addr("h", 7001));
  }

  @Test
  void anUnreachableNodeIsTriedAtItsConfiguredAddress() {
    // A persisted state from before a restart on new ports must not hide the seed's new address.
    AddressBook book = new AddressBook(Map.of(SEED, addr("h", 7000)));
    book.follow(() -> view(member(SEED, "h:6000", false)));
    assertThat(book.resolve(SEED)).contains(addr("h", 7000));
  }

  @Test
  void withoutConfigurationGossipIsAllThereIs() {
    AddressBook book = new AddressBook(Map.of());
    book.follow(() -> view(member(OTHER, "h:6000", false)));
    assertThat(book.resolve(OTHER)).contains(addr("h", 6000));
    assertThat(book.resolve(NodeId.of("unknown"))).isEmpty();
  }

  @Test
  void parseSaysWhatIsWrong() {
    assertThat(AddressBook.parse("[::1]:7000")).isEqualTo(addr("::1", 7000));
    assertThatThrownBy(() -> AddressBook.parse("h")).hasMessageContaining("expected host:port");
    assertThatThrownBy(() -> AddressBook.parse("h:x")).hasMessageContaining("expected host:port");
    assertThatThrownBy(() -> AddressBook.parse("h:70000")).hasMessageContaining("out of range");
  }

  private static InetSocketAddress addr(String host, int port) {
    return InetSocketAddress.createUnresolved(host, port);
  }

  private static MembershipView.Member member(NodeId id, String address, boolean reachable) {
    return new MembershipView.Member(id, NodeStatus.NORMAL, 1, 1, address, "", 1, reachable);
  }

  private static MembershipView view(MembershipView.Member member) {
    TreeMap<NodeId, MembershipView.Member> members = new TreeMap<>();
    members.put(member.id(), member);
    return new MembershipView(SELF, members, null);
  }
}

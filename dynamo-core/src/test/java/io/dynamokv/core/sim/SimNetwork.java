/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.wire.PeerProtocols;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The simulated network between the nodes of a {@link Simulation}. Each request and each response
 * is a separate message, delivered as an event on the receiving node after a latency of {@code base
 * ± jitter} (uniform), modified by the {@link #filters() filters} in force:
 *
 * <ul>
 *   <li>a call to a node that is down fails with {@link PeerException.Unreachable} after one
 *       latency ("connection refused"), unless a filter drops the request (a partitioned node
 *       refuses nothing: the call times out); a request that arrives after its target crashed is
 *       refused one more latency later;
 *   <li>a lost request or response (dropped by a filter or a {@link #partition partition}) makes
 *       the call fail with {@link PeerException.Timeout} when the caller's timeout fires (on the
 *       caller's scheduler);
 *   <li>a handler that throws or fails its stage answers {@link PeerException.Remote};
 *   <li>responses to a caller incarnation that died meanwhile, and responses after the caller's
 *       timeout, are ignored;
 *   <li>completions of {@link PeerTransport#call} always run in an event of the caller node, never
 *       inline in another node's turn.
 * </ul>
 *
 * <p>Every message travels as bytes: the sender's request and the handler's response are encoded
 * with the network's {@link PeerProtocols}, as a transport of bytes does, and each delivered copy
 * is decoded afresh, so the simulation runs the same codecs as the wire (gossip arrives as {@code
 * GossipMessage.Encoded}, like from a real transport). A request of a type no protocol carries is
 * refused at send time with {@link IllegalArgumentException}; a response that does not encode or
 * decode fails the call with {@link PeerException.Remote}. Filters and the sizer see the messages
 * as sent.
 *
 * <p>Nodes are numbered from 1; node {@code i} is addressed as {@code NodeId.of("n" + i)} by
 * convention of {@link SimCluster}, but any id can be {@link #register registered}. The network
 * counts messages and bytes sent per node (bytes as given by the {@code sizer}, 0 by default).
 */
public final class SimNetwork {
  private final Simulation simulation;
  private final RandomSource random;
  private final long baseNanos;
  private final long jitterNanos;
  private final ToIntFunction<PeerMessage> sizer;
  private final PeerProtocols protocols;
  private final Map<NodeId, Integer> indexById = new HashMap<>(); // lookups only, never iterated
  private final List<NodeId> ids = new ArrayList<>();
  private final List<Endpoint> endpoints = new ArrayList<>();
  private final List<long[]> stats = new ArrayList<>(); // per node: sent, bytes, received
  private final List<Filter> filters = new ArrayList<>();
  private long delivered;
  private long dropped;

  /**
   * A network with latency {@code base ± jitter} that carries the messages of {@code protocols}.
   * The random source MUST be this network's own (split from the simulation's).
   */
  public SimNetwork(
      Simulation simulation,
      RandomSource random,
      Duration base,
      Duration jitter,
      ToIntFunction<PeerMessage> sizer,
      PeerProtocols protocols) {
    this.simulation = Objects.requireNonNull(simulation);
    this.random = Objects.requireNonNull(random);
    this.baseNanos = base.toNanos();
    this.jitterNanos = jitter.toNanos();
    if (baseNanos < 0 || jitterNanos < 0) {
      throw new IllegalArgumentException("latency must not be negative: " + base + " ± " + jitter);
    }
    this.sizer = Objects.requireNonNull(sizer);
    this.protocols = Objects.requireNonNull(protocols);
  }

  /** Registers the next node number (1, 2, ...) under {@code id}; returns its number. */
  public int register(NodeId id) {
    if (indexById.containsKey(id)) {
      throw new IllegalArgumentException("node id already registered: " + id);
    }
    ids.add(id);
    endpoints.add(null);
    stats.add(new long[3]);
    indexById.put(id, ids.size());
    return ids.size();
  }

  /** The id of node {@code node}. */
  public NodeId id(int node) {
    return ids.get(checkNode(node) - 1);
  }

  /** The number of node {@code id}, or 0 if unknown. */
  public int index(NodeId id) {
    return indexById.getOrDefault(id, 0);
  }

  /**
   * Connects a new incarnation of node {@code node}, replacing (and killing) any previous one. Its
   * calls and timeouts run on {@code scheduler}; once the scheduler dies so does the transport.
   */
  public PeerTransport attach(int node, SimScheduler scheduler) {
    checkNode(node);
    Endpoint old = endpoints.get(node - 1);
    if (old != null) {
      old.closed = true;
    }
    Endpoint endpoint = new Endpoint(node, scheduler);
    endpoints.set(node - 1, endpoint);
    return endpoint;
  }

  /**
   * Disconnects node {@code node} as a crash does: nothing is completed or sent on its behalf any
   * more, later requests to it are refused.
   */
  public void detach(int node) {
    Endpoint endpoint = endpoints.get(checkNode(node) - 1);
    if (endpoint != null) {
      endpoint.closed = true;
      endpoints.set(node - 1, null);
    }
  }

  /** Whether node {@code node} has a live transport. */
  public boolean isConnected(int node) {
    Endpoint endpoint = endpoints.get(checkNode(node) - 1);
    return endpoint != null && !endpoint.closed && endpoint.scheduler.alive();
  }

  /** Where filters are built: {@code network.filters().from(1).to(3).drop()}. */
  public Filters filters() {
    return new Filters();
  }

  /**
   * Cuts the network into {@code sides}: every message between nodes on different sides is dropped,
   * both ways, until {@link #heal()}. Nodes on no side are unaffected. Returns the filter, so one
   * partition can be lifted alone with {@link Filter#off()}.
   */
  @SafeVarargs
  public final Filter partition(Set<Integer>... sides) {
    int[] sideOf = new int[ids.size() + 1];
    for (int s = 0; s < sides.length; s++) {
      for (int node : sides[s]) {
        checkNode(node);
        if (sideOf[node] != 0) {
          throw new IllegalArgumentException("node " + node + " is on two sides of the partition");
        }
        sideOf[node] = s + 1;
      }
    }
    String description = "partition " + Arrays.toString(sides);
    Filter filter =
        new Filter(
            description,
            (from, to, message, request) ->
                from < sideOf.length
                    && to < sideOf.length
                    && sideOf[from] != 0
                    && sideOf[to] != 0
                    && sideOf[from] != sideOf[to],
            Action.DROP,
            1.0,
            0);
    filters.add(filter);
    return filter;
  }

  /** Removes every partition and filter. */
  public void heal() {
    filters.clear();
  }

  /** The filters in force, in the order they apply. */
  public List<Filter> activeFilters() {
    return List.copyOf(filters);
  }

  /** Messages (requests and responses) sent by node {@code node}, including lost ones. */
  public long messagesSent(int node) {
    return stats.get(checkNode(node) - 1)[0];
  }

  /** Bytes sent by node {@code node}, as measured by the sizer. */
  public long bytesSent(int node) {
    return stats.get(checkNode(node) - 1)[1];
  }

  /** Messages delivered to node {@code node} (duplicates count twice). */
  public long messagesReceived(int node) {
    return stats.get(checkNode(node) - 1)[2];
  }

  /** Message copies delivered to a node, over the whole network. */
  public long messagesDelivered() {
    return delivered;
  }

  /** Message copies dropped by filters and partitions, over the whole network. */
  public long messagesDropped() {
    return dropped;
  }

  private int checkNode(int node) {
    if (node < 1 || node > ids.size()) {
      throw new IllegalArgumentException(
          "no node " + node + ": nodes are numbered 1 to " + ids.size());
    }
    return node;
  }

  private long latency() {
    if (jitterNanos == 0) {
      return baseNanos;
    }
    long offset = random.nextLong(-jitterNanos, jitterNanos + 1);
    return Math.max(0, baseNanos + offset);
  }

  /**
   * Sends one message: applies the filters in order, then queues each surviving copy as an event on
   * {@code to}. The event is skipped if {@code owner} is dead by then.
   */
  private void transmit(
      int from,
      int to,
      PeerMessage message,
      boolean request,
      Simulation.Owner owner,
      String label,
      Runnable arrival) {
    long[] sender = stats.get(from - 1);
    sender[0]++;
    sender[1] += sizer.applyAsInt(message);
    route(
        from,
        to,
        to,
        message,
        request,
        owner,
        label,
        () -> {
          delivered++;
          stats.get(to - 1)[2]++;
          arrival.run();
        });
  }

  /**
   * A "connection refused" on the path {@code from -> to}: not counted as a message, but lost or
   * delayed like the request it answers (a partitioned peer cannot refuse anything). Runs {@code
   * refusal} as an event of the caller {@code from}, one latency later.
   */
  private void refuse(
      int from, int to, PeerMessage request, SimScheduler caller, Runnable refusal) {
    route(
        from,
        to,
        from,
        request,
        true,
        caller,
        "refused " + describe(request) + " n" + from + "->n" + to,
        refusal);
  }

  private void route(
      int from,
      int to,
      int eventNode,
      PeerMessage message,
      boolean request,
      Simulation.Owner owner,
      String label,
      Runnable arrival) {
    int copies = 1;
    long extra = 0;
    long reorderMax = 0;
    for (Filter filter : filters) {
      if (!filter.active || !filter.matcher.matches(from, to, message, request)) {
        continue;
      }
      switch (filter.action) {
        case DROP -> {
          if (filter.probability >= 1.0 || random.nextDouble() < filter.probability) {
            copies = 0;
          }
        }
        case DELAY -> extra += filter.nanos;
        case DUPLICATE -> {
          if (filter.probability >= 1.0 || random.nextDouble() < filter.probability) {
            copies++;
          }
        }
        case REORDER -> reorderMax = Math.max(reorderMax, filter.nanos);
      }
      if (copies == 0) {
        break;
      }
    }
    if (copies == 0) {
      dropped++;
      simulation.trace(from, "drop " + label);
      return;
    }
    for (int i = 0; i < copies; i++) {
      long delay = latency() + extra + (reorderMax > 0 ? random.nextLong(reorderMax + 1) : 0);
      simulation.schedule(eventNode, delay, label, owner, arrival);
    }
  }

  private static String describe(PeerMessage message) {
    return message == null ? "null" : message.getClass().getSimpleName();
  }

  /** One incarnation's view of the network. */
  private final class Endpoint implements PeerTransport {
    private final int node;
    private final SimScheduler scheduler;
    private final Set<CompletableFuture<PeerMessage>> pending = new LinkedHashSet<>();
    private PeerHandler handler;
    private boolean closed;

    Endpoint(int node, SimScheduler scheduler) {
      this.node = node;
      this.scheduler = scheduler;
    }

    private boolean alive() {
      return !closed && scheduler.alive();
    }

    @Override
    public CompletionStage<PeerMessage> call(NodeId target, PeerMessage request, Duration timeout) {
      Objects.requireNonNull(target);
      Objects.requireNonNull(request);
      PeerProtocols.Frame frame = protocols.encode(request); // unknown types fail here
      CompletableFuture<PeerMessage> result = new CompletableFuture<>();
      if (!alive()) {
        result.completeExceptionally(new PeerException.Unreachable(target, "transport closed"));
        return result;
      }
      pending.add(result);
      result.whenComplete((r, e) -> pending.remove(result));
      long timeoutMillis = timeout.toMillis();
      Simulation.Event timer =
          scheduler.schedule(
              timeout.toNanos(),
              "timeout " + describe(request) + " n" + node + "->" + target,
              () -> result.completeExceptionally(new PeerException.Timeout(target, timeoutMillis)));
      result.whenComplete((r, e) -> timer.cancel());
      int to = index(target);
      String suffix = " n" + node + "->" + target;
      if (to == 0) {
        scheduler.schedule(
            latency(),
            "refused " + describe(request) + suffix,
            () ->
                result.completeExceptionally(
                    new PeerException.Unreachable(target, "unknown node")));
        return result;
      }
      if (!isConnected(to)) {
        // Connection refused: no request is delivered; the caller learns it after one latency.
        refuse(
            node,
            to,
            request,
            scheduler,
            () ->
                result.completeExceptionally(
                    new PeerException.Unreachable(target, "connection refused")));
        return result;
      }
      // What became of this call's copies (a duplicated request has several): a refusal means
      // "certainly not
      // delivered", so only a call none of whose copies was delivered may be refused, and a refused
      // call's later
      // copies are lost.
      CopyFate fate = new CopyFate();
      transmit(
          node,
          to,
          request,
          true,
          null,
          "req " + describe(request) + suffix,
          () -> arrive(to, target, request, frame, result, fate));
      return result;
    }

    /** A request copy reaches node {@code to}: runs in an event of {@code to}. */
    private void arrive(
        int to,
        NodeId target,
        PeerMessage request,
        PeerProtocols.Frame frame,
        CompletableFuture<PeerMessage> result,
        CopyFate fate) {
      Endpoint server = endpoints.get(to - 1);
      if (fate.refused) {
        return;
      }
      if (server == null || !server.alive()) {
        if (fate.delivered) {
          return; // another copy got through: this one is lost, and the caller hears of the first
        }
        fate.refused = true;
        // The target crashed while the request was in flight: refused, certainly not applied.
        refuse(
            node,
            to,
            request,
            scheduler,
            () ->
                result.completeExceptionally(
                    new PeerException.Unreachable(target, "connection refused")));
        return;
      }
      fate.delivered = true;
      CompletionStage<PeerMessage> answer;
      if (server.handler == null) {
        answer = CompletableFuture.failedFuture(new IllegalStateException("no handler installed"));
      } else {
        try {
          answer = server.handler.handle(id(node), protocols.decode(frame));
          if (answer == null) {
            answer = CompletableFuture.failedFuture(new NullPointerException("handler gave null"));
          }
        } catch (RuntimeException e) {
          answer = CompletableFuture.failedFuture(e);
        }
      }
      answer.whenComplete((response, error) -> server.respond(node, this, response, error, result));
    }

    /** This endpoint (the server) answers a request from {@code caller}. */
    private void respond(
        int callerNode,
        Endpoint caller,
        PeerMessage response,
        Throwable error,
        CompletableFuture<PeerMessage> result) {
      if (!alive()) {
        return; // the server died before answering: the caller times out
      }
      NodeId self = id(node);
      if (error == null && response == null) {
        error = new NullPointerException("handler completed with null");
      }
      Throwable failure =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      PeerProtocols.Frame frame = null;
      if (failure == null) {
        try {
          frame = protocols.encode(response);
        } catch (RuntimeException e) {
          failure = e;
        }
      }
      Throwable failed = failure;
      PeerProtocols.Frame encoded = frame;
      String label =
          (failed == null
                  ? "resp " + describe(response)
                  : "fail " + failed.getClass().getSimpleName())
              + " n"
              + node
              + "->n"
              + callerNode;
      transmit(
          node,
          callerNode,
          failed == null ? response : new Failure(String.valueOf(failed)),
          false,
          caller.scheduler,
          label,
          () -> {
            if (failed != null) {
              result.completeExceptionally(new PeerException.Remote(self, String.valueOf(failed)));
              return;
            }
            PeerMessage decoded;
            try {
              decoded = protocols.decode(encoded);
            } catch (RuntimeException e) {
              result.completeExceptionally(
                  new PeerException.Remote(self, "undecodable response: " + e.getMessage()));
              return;
            }
            result.complete(decoded);
          });
    }

    @Override
    public void serve(PeerHandler handler) {
      this.handler = Objects.requireNonNull(handler);
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      for (CompletableFuture<PeerMessage> call : List.copyOf(pending)) {
        call.completeExceptionally(new PeerException.Unreachable(id(node), "transport closed"));
      }
    }
  }

  /** The wire form of a failed handler, so that filters and the sizer see a message. */
  public record Failure(String message) implements PeerMessage {}

  /** What a filter does to the messages it matches. */
  enum Action {
    DROP,
    DELAY,
    DUPLICATE,
    REORDER
  }

  @FunctionalInterface
  interface Matcher {
    boolean matches(int from, int to, PeerMessage message, boolean request);
  }

  /** An installed filter. Filters apply in installation order; a drop ends the evaluation. */
  public final class Filter {
    private final String description;
    private final Matcher matcher;
    private final Action action;
    private final double probability;
    private final long nanos;
    private boolean active = true;

    Filter(String description, Matcher matcher, Action action, double probability, long nanos) {
      this.description = description;
      this.matcher = matcher;
      this.action = action;
      this.probability = probability;
      this.nanos = nanos;
    }

    /** Removes this filter. Idempotent. */
    public void off() {
      active = false;
      filters.remove(this);
    }

    @Override
    public String toString() {
      return description;
    }
  }

  /** Entry point of the filter builders. */
  public final class Filters {
    Filters() {}

    /** Messages sent by any of {@code nodes}. */
    public FilterBuilder from(int... nodes) {
      return new FilterBuilder().from(nodes);
    }

    /** Messages sent to any of {@code nodes}. */
    public FilterBuilder to(int... nodes) {
      return new FilterBuilder().to(nodes);
    }

    /** Messages of {@code type}. */
    public FilterBuilder ofType(Class<? extends PeerMessage> type) {
      return new FilterBuilder().ofType(type);
    }

    /** All messages. */
    public FilterBuilder all() {
      return new FilterBuilder();
    }

    /** Removes every filter and partition (same as {@link SimNetwork#heal()}). */
    public void reset() {
      heal();
    }
  }

  /**
   * Selects messages by sender, receiver, direction and content, then installs an action on them.
   * Unset criteria match everything; criteria combine with AND.
   */
  public final class FilterBuilder {
    private Set<Integer> from = Set.of();
    private Set<Integer> to = Set.of();
    private Predicate<PeerMessage> content = m -> true;
    private Boolean requests; // null: both directions
    private final StringBuilder description = new StringBuilder();

    FilterBuilder() {}

    /** Only messages sent by one of {@code nodes}. */
    public FilterBuilder from(int... nodes) {
      from = nodes(nodes);
      description.append(" from ").append(Arrays.toString(nodes));
      return this;
    }

    /** Only messages sent to one of {@code nodes}. */
    public FilterBuilder to(int... nodes) {
      to = nodes(nodes);
      description.append(" to ").append(Arrays.toString(nodes));
      return this;
    }

    /** Only messages of {@code type} (a request type, a response type, or {@link Failure}). */
    public FilterBuilder ofType(Class<? extends PeerMessage> type) {
      content = content.and(type::isInstance);
      description.append(" type ").append(type.getSimpleName());
      return this;
    }

    /** Only messages satisfying {@code predicate}. */
    public FilterBuilder matching(Predicate<PeerMessage> predicate) {
      content = content.and(predicate);
      description.append(" matching");
      return this;
    }

    /** Only requests. */
    public FilterBuilder requests() {
      requests = true;
      description.append(" requests");
      return this;
    }

    /** Only responses. */
    public FilterBuilder responses() {
      requests = false;
      description.append(" responses");
      return this;
    }

    /** Drops every matching message. */
    public Filter drop() {
      return install(Action.DROP, 1.0, 0);
    }

    /** Drops each matching message with {@code probability}. */
    public Filter drop(double probability) {
      return install(Action.DROP, checkProbability(probability), 0);
    }

    /** Adds {@code extra} to the latency of every matching message. */
    public Filter delay(Duration extra) {
      return install(Action.DELAY, 1.0, nonNegative(extra));
    }

    /** Delivers every matching message twice (each copy with its own latency). */
    public Filter duplicate() {
      return install(Action.DUPLICATE, 1.0, 0);
    }

    /** Delivers each matching message twice with {@code probability}. */
    public Filter duplicate(double probability) {
      return install(Action.DUPLICATE, checkProbability(probability), 0);
    }

    /**
     * Adds a random extra latency, uniform in {@code [0, maxExtra]}, to each matching message so
     * that later messages overtake earlier ones.
     */
    public Filter reorder(Duration maxExtra) {
      return install(Action.REORDER, 1.0, nonNegative(maxExtra));
    }

    private Filter install(Action action, double probability, long nanos) {
      Set<Integer> f = from;
      Set<Integer> t = to;
      Predicate<PeerMessage> c = content;
      Boolean r = requests;
      Filter filter =
          new Filter(
              action.name().toLowerCase()
                  + (probability < 1.0 ? " p=" + probability : "")
                  + description,
              (src, dst, message, request) ->
                  (f.isEmpty() || f.contains(src))
                      && (t.isEmpty() || t.contains(dst))
                      && (r == null || r == request)
                      && c.test(message),
              action,
              probability,
              nanos);
      filters.add(filter);
      return filter;
    }

    private Set<Integer> nodes(int... nodes) {
      Set<Integer> set = new LinkedHashSet<>();
      for (int node : nodes) {
        set.add(checkNode(node));
      }
      return set;
    }

    private double checkProbability(double p) {
      if (!(p >= 0.0 && p <= 1.0)) {
        throw new IllegalArgumentException("probability must be in [0, 1], found " + p);
      }
      return p;
    }

    private long nonNegative(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("duration must not be negative, found " + d);
      }
      return d.toNanos();
    }
  }

  /** Whether a copy of a call's request was delivered, or the call was refused. */
  private static final class CopyFate {
    boolean delivered;
    boolean refused;
  }
}

package dev.harvest.outbox.membership;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

import dev.harvest.outbox.backlog.LeaderView;
import dev.harvest.outbox.harvest.event.HarvestEventListener;

/**
 * The leader group's members, described by Kafka's group coordinator on a timer (never per
 * request) and kept as the latest {@link Membership}: who is in the group, which member holds
 * partition 0 of the leader topic, which one is this instance, and the leader's epoch from
 * {@code harvest_leader}. Tells a listener about joins, leaves and leader changes with
 * {@link MembersChanged}, coalesced over a short period. Descriptions run on one daemon
 * thread, {@code harvest-members-<instanceName>}.
 */
public final class MembershipView implements AutoCloseable {

	/** How long {@link #close()} waits for the refresh thread and the admin client. */
	public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

	private static final Log logger = LogFactory.getLog(MembershipView.class);

	/** The client id of a leader election consumer is {@code <prefix>-neli-<instance name>}. */
	private static final String ELECTION_CLIENT_MARKER = "-neli-";

	// Members have no settled assignment while the group rebalances.
	private static final Set<GroupState> REBALANCING = Set.of(GroupState.PREPARING_REBALANCE,
			GroupState.COMPLETING_REBALANCE, GroupState.ASSIGNING, GroupState.RECONCILING);

	private final MembershipSettings settings;

	private final GroupDescriber describer;

	private final @Nullable LeaderRecords leaderRecords;

	private final HarvestEventListener listener;

	private final Clock clock;

	private final TopicPartition leaderPartition;

	private final ChangeCoalescer coalescer;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition closing = this.lock.newCondition();

	private final AtomicBoolean started = new AtomicBoolean();

	private final AtomicBoolean closed = new AtomicBoolean();

	private volatile @Nullable Thread thread;

	private volatile Membership membership;

	private volatile LeaderView leaderView = LeaderView.unknown();

	private volatile @Nullable Instant lastSuccess;

	// Touched only by a refresh, which holds the lock.

	private @Nullable String leaderMemberId;

	private @Nullable Instant leaderSeenAt;

	private @Nullable Instant noLeaderSince;

	private boolean failing;

	/**
	 * Creates a view; nothing connects before {@link #start()}.
	 * @param settings the group and timings
	 * @param kafkaProperties the application's Kafka settings; the admin client takes the
	 * connection settings among them and the client id
	 * {@code <client.id or harvest>-members-<instanceName>}
	 * @param leaderRecords reads the leader's epoch, or {@code null} to leave it out
	 * @param listener told about membership changes, on the refresh thread
	 */
	public MembershipView(MembershipSettings settings, Map<String, Object> kafkaProperties,
			@Nullable LeaderRecordReader leaderRecords, HarvestEventListener listener) {
		this(settings, new AdminGroupDescriber(kafkaProperties, settings.groupId(), settings.instanceName()),
				(leaderRecords != null) ? leaderRecords::read : null, listener, Clock.systemUTC());
	}

	MembershipView(MembershipSettings settings, GroupDescriber describer, @Nullable LeaderRecords leaderRecords,
			HarvestEventListener listener, Clock clock) {
		Assert.notNull(settings, "'settings' must not be null");
		Assert.notNull(describer, "'describer' must not be null");
		Assert.notNull(listener, "'listener' must not be null");
		Assert.notNull(clock, "'clock' must not be null");
		this.settings = settings;
		this.describer = describer;
		this.leaderRecords = leaderRecords;
		this.listener = listener;
		this.clock = clock;
		this.leaderPartition = new TopicPartition(settings.leaderTopic(), 0);
		this.coalescer = new ChangeCoalescer(settings.coalescePeriod());
		this.membership = Membership.unknown(settings.groupId());
	}

	/**
	 * Starts describing the group on the view's thread; returns at once. Starting a started
	 * view does nothing.
	 * @throws IllegalStateException when the view was closed
	 */
	public void start() {
		Assert.state(!this.closed.get(), () -> "Membership view of '" + this.settings.instanceName() + "' is closed");
		if (!this.started.compareAndSet(false, true)) {
			return;
		}
		Thread refreshing = new Thread(this::run, "harvest-members-" + this.settings.instanceName());
		refreshing.setDaemon(true);
		this.thread = refreshing;
		refreshing.start();
	}

	/**
	 * Returns the latest membership; never queries anything.
	 * @return the membership, in state {@link Membership#UNKNOWN_STATE} before the first
	 * description
	 */
	public Membership members() {
		return this.membership;
	}

	/**
	 * Returns what the latest membership says about the leader, for the backlog rule that
	 * tells whether anybody is harvesting. Unknown before the first description and when no
	 * description succeeded for three refresh intervals; a group in the middle of a rebalance
	 * keeps the previous answer. Never queries anything.
	 * @return the leader view
	 */
	public LeaderView leaderView() {
		Instant success = this.lastSuccess;
		Duration freshness = this.settings.refreshInterval().multipliedBy(3).plus(this.settings.timeout());
		if (success == null || Duration.between(success, this.clock.instant()).compareTo(freshness) > 0) {
			return LeaderView.unknown();
		}
		return this.leaderView;
	}

	/**
	 * Returns the settings of this view.
	 * @return the settings
	 */
	public MembershipSettings settings() {
		return this.settings;
	}

	/**
	 * Stops describing and closes the admin client, waiting at most
	 * {@link #DEFAULT_CLOSE_TIMEOUT}.
	 */
	@Override
	public void close() {
		close(DEFAULT_CLOSE_TIMEOUT);
	}

	/**
	 * Stops describing and closes the admin client, waiting at most {@code timeout} in all.
	 * @param timeout the longest wait
	 */
	public void close(Duration timeout) {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		long deadline = System.nanoTime() + timeout.toNanos();
		this.lock.lock();
		try {
			this.closing.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		Thread refreshing = this.thread;
		if (refreshing != null && refreshing != Thread.currentThread()) {
			try {
				TimeUnit.NANOSECONDS.timedJoin(refreshing, deadline - System.nanoTime());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			if (refreshing.isAlive()) {
				logger.warn("Membership view thread " + refreshing.getName() + " did not stop within " + timeout
						+ "; interrupting it");
				refreshing.interrupt();
			}
		}
		this.describer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
	}

	private void run() {
		Instant nextRefresh = this.clock.instant();
		while (!this.closed.get()) {
			Instant now = this.clock.instant();
			if (!now.isBefore(nextRefresh) || isDue(this.coalescer.due(), now)) {
				refreshOnce();
				if (!now.isBefore(nextRefresh)) {
					nextRefresh = now.plus(this.settings.refreshInterval());
				}
			}
			Instant wakeUp = nextRefresh;
			Instant due = this.coalescer.due();
			if (due != null && due.isBefore(wakeUp)) {
				wakeUp = due;
			}
			if (!awaitUntil(wakeUp)) {
				return;
			}
		}
	}

	private static boolean isDue(@Nullable Instant due, Instant now) {
		return due != null && !now.isBefore(due);
	}

	private boolean awaitUntil(Instant wakeUp) {
		this.lock.lock();
		try {
			long remaining = Duration.between(this.clock.instant(), wakeUp).toNanos();
			while (!this.closed.get() && remaining > 0) {
				remaining = this.closing.awaitNanos(remaining);
			}
			return !this.closed.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Describes the group once, updates the membership and the leader view, and reports the
	 * changes of a coalescing period that has ended.
	 */
	void refreshOnce() {
		this.lock.lock();
		try {
			Instant now = this.clock.instant();
			try {
				ConsumerGroupDescription description = this.describer.describe(this.settings.timeout());
				refreshed(description, readLeaderRecord(), now);
				if (this.failing) {
					logger.info("Membership view of '" + this.settings.instanceName() + "' describes group '"
							+ this.settings.groupId() + "' again");
					this.failing = false;
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (Exception ex) {
				failed(ex);
			}
			MembersChanged changed = this.coalescer.poll(now);
			if (changed != null) {
				publish(changed);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	private void refreshed(@Nullable ConsumerGroupDescription description, @Nullable LeaderRecord record,
			Instant now) {
		GroupState state = (description != null) ? description.groupState() : GroupState.DEAD;
		List<GroupMember> members = (description != null) ? members(description) : List.of();
		GroupMember leader = members.stream().filter(GroupMember::leader).findFirst().orElse(null);
		boolean settled = !REBALANCING.contains(state);
		Instant leaderSince = null;
		if (leader != null) {
			if (!leader.memberId().equals(this.leaderMemberId)) {
				this.leaderMemberId = leader.memberId();
				this.leaderSeenAt = now;
			}
			this.noLeaderSince = null;
			leaderSince = leaderSince(leader, record);
			this.leaderView = LeaderView.leader(leaderSince, null);
		}
		else if (settled) {
			this.leaderMemberId = null;
			this.leaderSeenAt = null;
			if (this.noLeaderSince == null) {
				this.noLeaderSince = now;
			}
			this.leaderView = LeaderView.noLeader(this.noLeaderSince);
		}
		Node coordinator = (description != null) ? description.coordinator() : null;
		Membership current = new Membership(this.settings.groupId(), state.name(),
				(coordinator != null && !coordinator.isEmpty()) ? coordinator.host() + ":" + coordinator.port() : null,
				members, leaderSince, record, now, null);
		this.membership = current;
		this.lastSuccess = now;
		if (settled) {
			this.coalescer.offer(current, now);
		}
	}

	private @Nullable Instant leaderSince(GroupMember leader, @Nullable LeaderRecord record) {
		if (record != null && record.acquiredAt() != null && leader.instanceName() != null
				&& leader.instanceName().equals(record.leaderName())) {
			return record.acquiredAt();
		}
		return this.leaderSeenAt;
	}

	private List<GroupMember> members(ConsumerGroupDescription description) {
		List<GroupMember> members = new ArrayList<>();
		for (MemberDescription member : description.members()) {
			Set<TopicPartition> partitions = member.assignment().topicPartitions();
			List<String> assignment = partitions.stream()
				.sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
				.map(TopicPartition::toString)
				.toList();
			String clientId = member.clientId();
			members.add(new GroupMember(member.consumerId(), clientId, member.host(),
					member.groupInstanceId().orElse(null), instanceName(clientId), assignment,
					partitions.contains(this.leaderPartition),
					clientId.endsWith(ELECTION_CLIENT_MARKER + this.settings.instanceName())));
		}
		members.sort(Comparator.comparing(GroupMember::clientId).thenComparing(GroupMember::memberId));
		return members;
	}

	private static @Nullable String instanceName(String clientId) {
		int marker = clientId.indexOf(ELECTION_CLIENT_MARKER);
		if (marker < 0 || marker + ELECTION_CLIENT_MARKER.length() >= clientId.length()) {
			return null;
		}
		return clientId.substring(marker + ELECTION_CLIENT_MARKER.length());
	}

	private @Nullable LeaderRecord readLeaderRecord() {
		LeaderRecords reader = this.leaderRecords;
		if (reader == null) {
			return null;
		}
		try {
			return reader.read(this.settings.groupId());
		}
		catch (RuntimeException ex) {
			// The members are worth showing without the epoch; keep the last one read.
			if (logger.isDebugEnabled()) {
				logger.debug("Membership view of '" + this.settings.instanceName()
						+ "' could not read the leader epoch", ex);
			}
			return this.membership.leaderRecord();
		}
	}

	private void failed(Exception ex) {
		Throwable cause = (ex instanceof ExecutionException && ex.getCause() != null) ? ex.getCause() : ex;
		String error = cause.getClass().getSimpleName() + ": " + cause.getMessage();
		this.membership = this.membership.withError(error);
		if (!this.failing) {
			logger.warn("Membership view of '" + this.settings.instanceName() + "' could not describe group '"
					+ this.settings.groupId() + "' (" + error + "); retrying every " + this.settings.refreshInterval());
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Membership view of '" + this.settings.instanceName() + "' could not describe group '"
					+ this.settings.groupId() + "': " + error);
		}
		this.failing = true;
	}

	private void publish(MembersChanged event) {
		if (logger.isInfoEnabled()) {
			logger.info("Membership view of '" + this.settings.instanceName() + "': group '" + this.settings.groupId()
					+ "' joined " + names(event.joined()) + ", left " + names(event.left())
					+ (event.leaderChanged() ? ", leader now " + name(event.leader()) : ""));
		}
		try {
			this.listener.onEvent(event);
		}
		catch (VirtualMachineError ex) {
			throw ex;
		}
		catch (Throwable ex) {
			logger.error("Listener of membership view '" + this.settings.instanceName() + "' failed on " + event
					+ "; carrying on", ex);
		}
	}

	private static List<String> names(List<GroupMember> members) {
		return members.stream().map(MembershipView::name).toList();
	}

	private static String name(@Nullable GroupMember member) {
		if (member == null) {
			return "none";
		}
		return (member.instanceName() != null) ? member.instanceName() : member.clientId();
	}

}

package dev.harvest.outbox.membership;

import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

import dev.harvest.outbox.backlog.LeaderView;
import dev.harvest.outbox.harvest.Harvester;

/**
 * Tells a backlog monitor what is known about the leader, so that every instance can judge
 * whether anybody is harvesting: the local harvester's own marks while it leads; otherwise the
 * membership view's answer to whether there is a leader, with the last mark the leader
 * recorded in {@code harvest_leader}. Without a membership view the row alone says when a
 * leader last marked.
 */
public final class LeaderViewSource implements Supplier<LeaderView> {

	private static final Log logger = LogFactory.getLog(LeaderViewSource.class);

	private final BooleanSupplier localLeader;

	private final Supplier<@Nullable Instant> localLastMark;

	private final Supplier<LeaderView> membership;

	private final LeaderRecords leaderRecords;

	private final String groupId;

	/**
	 * Creates a source.
	 * @param harvester this instance's harvester
	 * @param membership the leader group's members, or {@code null} when not described
	 * @param leaderRecords reads the leader group's row of {@code harvest_leader}
	 */
	public LeaderViewSource(Harvester harvester, @Nullable MembershipView membership,
			LeaderRecordReader leaderRecords) {
		this(harvester::isLeader, harvester::lastMarkTime,
				(membership != null) ? membership::leaderView : LeaderView::unknown, leaderRecords::read,
				harvester.config().leaderGroupId());
	}

	LeaderViewSource(BooleanSupplier localLeader, Supplier<@Nullable Instant> localLastMark,
			Supplier<LeaderView> membership, LeaderRecords leaderRecords, String groupId) {
		Assert.notNull(localLeader, "'localLeader' must not be null");
		Assert.notNull(localLastMark, "'localLastMark' must not be null");
		Assert.notNull(membership, "'membership' must not be null");
		Assert.notNull(leaderRecords, "'leaderRecords' must not be null");
		Assert.hasText(groupId, "'groupId' must not be empty");
		this.localLeader = localLeader;
		this.localLastMark = localLastMark;
		this.membership = membership;
		this.leaderRecords = leaderRecords;
		this.groupId = groupId;
	}

	/**
	 * Returns what is known about the leader now; reads the leader's row unless this instance
	 * leads or the group has no leader.
	 * @return the view, {@link LeaderView#unknown()} when nothing is known
	 */
	@Override
	public LeaderView get() {
		if (this.localLeader.getAsBoolean()) {
			return LeaderView.leader(null, this.localLastMark.get());
		}
		LeaderView members = this.membership.get();
		if (members.state() == LeaderView.State.NO_LEADER) {
			return members;
		}
		LeaderRecord record = readLeaderRecord();
		Instant lastMark = (record != null) ? record.currentLeaderLastMark() : null;
		if (members.state() == LeaderView.State.LEADER) {
			return members.withLastMark(lastMark);
		}
		// Nobody says whether there is a leader; a leader that recorded its marks is assumed.
		return (record != null && lastMark != null) ? LeaderView.leader(record.acquiredAt(), lastMark)
				: LeaderView.unknown();
	}

	private @Nullable LeaderRecord readLeaderRecord() {
		try {
			return this.leaderRecords.read(this.groupId);
		}
		catch (RuntimeException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Could not read the leader's row of group '" + this.groupId + "'", ex);
			}
			return null;
		}
	}

}

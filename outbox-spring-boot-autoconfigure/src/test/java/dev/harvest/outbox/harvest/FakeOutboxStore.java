package dev.harvest.outbox.harvest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

import org.springframework.dao.DataAccessResourceFailureException;

import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.jdbc.MarkResult;
import dev.harvest.outbox.jdbc.OutboxRow;
import dev.harvest.outbox.jdbc.OutboxStore;

/**
 * An in-memory outbox table that honours the mark contract, including leader epochs and
 * fencing, with switches to make statements fail.
 */
final class FakeOutboxStore implements OutboxStore {

	private final ReentrantLock lock = new ReentrantLock();

	private final TreeMap<Long, StoredRow> rows = new TreeMap<>();

	private final Map<String, Long> epochs = new HashMap<>();

	private final List<MarkCall> marks = new ArrayList<>();

	private final List<Long> purged = new ArrayList<>();

	private long nextId = 1;

	private int purgeCalls;

	private boolean failPurges;

	private int failMarks;

	private boolean failedMarksCommit;

	private int failAcquires;

	long insert(OutboxRecord record) {
		this.lock.lock();
		try {
			long id = this.nextId++;
			this.rows.put(id, new StoredRow(new OutboxRow(id, Instant.now(), record, null)));
			return id;
		}
		finally {
			this.lock.unlock();
		}
	}

	long insert(String topic, String key, String value) {
		return insert(OutboxRecord.builder(topic, key).value(value).build());
	}

	long insertDefective(OutboxRecord record, String defect) {
		this.lock.lock();
		try {
			long id = this.nextId++;
			this.rows.put(id, new StoredRow(new OutboxRow(id, Instant.now(), record, defect)));
			return id;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Takes an id now for a row that commits later, like a long transaction's BIGSERIAL.
	 * @return the id
	 */
	long reserveId() {
		this.lock.lock();
		try {
			return this.nextId++;
		}
		finally {
			this.lock.unlock();
		}
	}

	void commitReserved(long id, OutboxRecord record) {
		this.lock.lock();
		try {
			this.rows.put(id, new StoredRow(new OutboxRow(id, Instant.now(), record, null)));
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Takes a newer epoch for the group, as another leader would.
	 * @param groupId the group
	 */
	void bumpEpoch(String groupId) {
		acquireEpoch(groupId, "other", UUID.randomUUID());
	}

	void failPurges(boolean fail) {
		this.lock.lock();
		try {
			this.failPurges = fail;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Makes the next mark statements throw.
	 * @param count how many
	 * @param commitAnyway whether each failed statement still marks its rows, as when the
	 * connection breaks after the database committed
	 */
	void failMarks(int count, boolean commitAnyway) {
		this.lock.lock();
		try {
			this.failMarks = count;
			this.failedMarksCommit = commitAnyway;
		}
		finally {
			this.lock.unlock();
		}
	}

	void failAcquires(int count) {
		this.lock.lock();
		try {
			this.failAcquires = count;
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public long acquireEpoch(String groupId, String instanceName, UUID leaderId) {
		this.lock.lock();
		try {
			if (this.failAcquires > 0) {
				this.failAcquires--;
				throw new DataAccessResourceFailureException("database is down");
			}
			return this.epochs.merge(groupId, 1L, Long::sum);
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public MarkResult mark(String groupId, long epoch, UUID leaderId, long afterId, long upToId, int limit) {
		this.lock.lock();
		try {
			this.marks.add(new MarkCall(epoch, leaderId, afterId, upToId, limit));
			long current = this.epochs.getOrDefault(groupId, 0L);
			if (epoch != current) {
				return new MarkResult(List.of(), current, true);
			}
			boolean fail = this.failMarks > 0;
			if (fail) {
				this.failMarks--;
				if (!this.failedMarksCommit) {
					throw new DataAccessResourceFailureException("connection refused");
				}
			}
			List<OutboxRow> claimed = new ArrayList<>();
			for (StoredRow row : this.rows.subMap(afterId, false, upToId, true).values()) {
				if (claimed.size() >= limit) {
					break;
				}
				if (!leaderId.equals(row.leaderId)) {
					row.leaderId = leaderId;
					claimed.add(row.row);
				}
			}
			if (fail) {
				throw new DataAccessResourceFailureException("connection reset after commit");
			}
			return new MarkResult(claimed, current, false);
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public int purge(Collection<Long> ids) {
		this.lock.lock();
		try {
			this.purgeCalls++;
			if (this.failPurges) {
				throw new DataAccessResourceFailureException("database is down");
			}
			int deleted = 0;
			for (Long id : ids) {
				if (this.rows.remove(id) != null) {
					deleted++;
				}
				this.purged.add(id);
			}
			return deleted;
		}
		finally {
			this.lock.unlock();
		}
	}

	List<Long> ids() {
		this.lock.lock();
		try {
			return new ArrayList<>(this.rows.keySet());
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean contains(long id) {
		this.lock.lock();
		try {
			return this.rows.containsKey(id);
		}
		finally {
			this.lock.unlock();
		}
	}

	UUID leaderOf(long id) {
		this.lock.lock();
		try {
			return this.rows.get(id).leaderId;
		}
		finally {
			this.lock.unlock();
		}
	}

	List<MarkCall> marks() {
		this.lock.lock();
		try {
			return new ArrayList<>(this.marks);
		}
		finally {
			this.lock.unlock();
		}
	}

	int markCount() {
		this.lock.lock();
		try {
			return this.marks.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	List<Long> purged() {
		this.lock.lock();
		try {
			return new ArrayList<>(this.purged);
		}
		finally {
			this.lock.unlock();
		}
	}

	int purgeCalls() {
		this.lock.lock();
		try {
			return this.purgeCalls;
		}
		finally {
			this.lock.unlock();
		}
	}

	long epoch(String groupId) {
		this.lock.lock();
		try {
			return this.epochs.getOrDefault(groupId, 0L);
		}
		finally {
			this.lock.unlock();
		}
	}

	record MarkCall(long epoch, UUID leaderId, long afterId, long upToId, int limit) {

		boolean belowCursor() {
			return this.upToId != Long.MAX_VALUE;
		}

	}

	private static final class StoredRow {

		final OutboxRow row;

		UUID leaderId;

		StoredRow(OutboxRow row) {
			this.row = row;
		}

	}

}

package dev.harvest.outbox.harvest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

import org.springframework.dao.DataAccessResourceFailureException;

import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.jdbc.HeldKey;
import dev.harvest.outbox.jdbc.HeldKeyView;
import dev.harvest.outbox.jdbc.MarkResult;
import dev.harvest.outbox.jdbc.OutboxRow;
import dev.harvest.outbox.jdbc.OutboxStore;
import dev.harvest.outbox.jdbc.PurgeResult;
import dev.harvest.outbox.jdbc.Page;
import dev.harvest.outbox.jdbc.QuarantineActionResult;
import dev.harvest.outbox.jdbc.QuarantineActionResult.Action;
import dev.harvest.outbox.jdbc.QuarantineEntry;
import dev.harvest.outbox.jdbc.QuarantineResult;
import dev.harvest.outbox.jdbc.QuarantineResult.Outcome;
import dev.harvest.outbox.jdbc.QuarantineStore;
import dev.harvest.outbox.jdbc.QuarantinedRow;

/**
 * An in-memory outbox table and its quarantine table that honour the mark and quarantine
 * contracts, including leader epochs and fencing, with switches to make statements fail.
 */
final class FakeOutboxStore implements OutboxStore, QuarantineStore {

	private final ReentrantLock lock = new ReentrantLock();

	private final TreeMap<Long, StoredRow> rows = new TreeMap<>();

	private final Map<String, Long> epochs = new HashMap<>();

	private final List<MarkCall> marks = new ArrayList<>();

	private final List<Long> purged = new ArrayList<>();

	private long transactions;

	private final List<Long> recordedMarks = new ArrayList<>();

	private final TreeMap<Long, Quarantined> quarantine = new TreeMap<>();

	private int failQuarantines;

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

	/**
	 * Makes the next quarantine statements (moves and held-key reads) throw.
	 * @param count how many
	 */
	void failQuarantines(int count) {
		this.lock.lock();
		try {
			this.failQuarantines = count;
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public MarkResult mark(String groupId, long epoch, UUID leaderId, long afterId, long upToId, int limit,
			Collection<HeldKey> heldKeys) {
		this.lock.lock();
		try {
			this.marks.add(new MarkCall(epoch, leaderId, afterId, upToId, limit, Set.copyOf(heldKeys)));
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
				if (!leaderId.equals(row.leaderId) && !heldKeys.contains(row.key())) {
					row.leaderId = leaderId;
					claimed.add(row.row);
				}
			}
			if (fail) {
				throw new DataAccessResourceFailureException("connection reset after commit");
			}
			// Every statement is a transaction of its own, and none stays open.
			long transaction = ++this.transactions;
			return new MarkResult(claimed, current, false, transaction, transaction);
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public PurgeResult purge(String groupId, long epoch, Collection<Long> ids) {
		this.lock.lock();
		try {
			this.purgeCalls++;
			if (this.failPurges) {
				throw new DataAccessResourceFailureException("database is down");
			}
			long current = this.epochs.getOrDefault(groupId, 0L);
			if (epoch != current) {
				return new PurgeResult(0, current, true);
			}
			int deleted = 0;
			for (Long id : ids) {
				if (this.rows.remove(id) != null) {
					deleted++;
				}
				this.purged.add(id);
			}
			return new PurgeResult(deleted, current, false);
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public void recordMark(String groupId, long epoch) {
		this.lock.lock();
		try {
			if (this.epochs.getOrDefault(groupId, 0L) == epoch) {
				this.recordedMarks.add(epoch);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the epochs of the marks the leader recorded in the epoch row, one per record.
	 * @return the epochs, in order
	 */
	List<Long> recordedMarks() {
		this.lock.lock();
		try {
			return new ArrayList<>(this.recordedMarks);
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public MarkResult unmark(String groupId, long epoch, Collection<Long> ids) {
		this.lock.lock();
		try {
			long current = this.epochs.getOrDefault(groupId, 0L);
			if (epoch != current) {
				return new MarkResult(List.of(), current, true);
			}
			failQuarantineIfAsked();
			ids.forEach(this::unmarkRow);
			return new MarkResult(List.of(), current, false);
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public QuarantineResult quarantine(String groupId, long epoch, long id, QuarantineEntry entry,
			Collection<Long> unmarkIds) {
		this.lock.lock();
		try {
			long current = this.epochs.getOrDefault(groupId, 0L);
			if (epoch != current) {
				return new QuarantineResult(Outcome.FENCED, current, List.of());
			}
			failQuarantineIfAsked();
			if (this.quarantine.containsKey(id)) {
				unmarkIds.forEach(this::unmarkRow);
				return new QuarantineResult(Outcome.MOVED, current, List.of(id));
			}
			StoredRow row = this.rows.remove(id);
			if (row == null) {
				return new QuarantineResult(Outcome.MISSING, current, List.of());
			}
			this.quarantine.put(id, new Quarantined(row.row, entry, !entry.holdsKey()));
			unmarkIds.forEach(this::unmarkRow);
			return new QuarantineResult(Outcome.MOVED, current, List.of(id));
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public QuarantineResult park(String groupId, long epoch, HeldKey key, Collection<Long> ids,
			QuarantineEntry entry) {
		this.lock.lock();
		try {
			long current = this.epochs.getOrDefault(groupId, 0L);
			if (epoch != current) {
				return new QuarantineResult(Outcome.FENCED, current, List.of());
			}
			failQuarantineIfAsked();
			if (!heldKeysUnlocked().containsKey(key)) {
				ids.forEach(this::unmarkRow);
				return new QuarantineResult(Outcome.RELEASED, current, List.of());
			}
			List<Long> moved = new ArrayList<>();
			for (Long id : new TreeSet<>(ids)) {
				StoredRow row = this.rows.remove(id);
				if (row != null) {
					this.quarantine.put(id, new Quarantined(row.row, entry, false));
					moved.add(id);
				}
			}
			return new QuarantineResult(moved.isEmpty() ? Outcome.MISSING : Outcome.MOVED, current, moved);
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public Map<HeldKey, PoisonPolicy> heldKeys() {
		this.lock.lock();
		try {
			failQuarantineIfAsked();
			return heldKeysUnlocked();
		}
		finally {
			this.lock.unlock();
		}
	}

	private Map<HeldKey, PoisonPolicy> heldKeysUnlocked() {
		Map<HeldKey, PoisonPolicy> held = new HashMap<>();
		for (Quarantined row : this.quarantine.values()) {
			if (!row.released) {
				held.merge(row.key(), row.entry.policy(),
						(a, b) -> (a == PoisonPolicy.PARK_KEY || b == PoisonPolicy.PARK_KEY) ? PoisonPolicy.PARK_KEY
								: PoisonPolicy.HOLD_KEY);
			}
		}
		return held;
	}

	@Override
	public Page<QuarantinedRow> list(int page, int size) {
		throw new UnsupportedOperationException("not needed by the engine");
	}

	@Override
	public List<HeldKeyView> listHeldKeys(int page, int size) {
		throw new UnsupportedOperationException("not needed by the engine");
	}

	@Override
	public QuarantineActionResult retry(long id) {
		this.lock.lock();
		try {
			Quarantined row = this.quarantine.remove(id);
			if (row == null) {
				throw new IllegalArgumentException("No row with id " + id + " is in quarantine");
			}
			this.rows.put(id, new StoredRow(row.row));
			return new QuarantineActionResult(Action.RETRY, row.row.record().topic(), row.row.record().key(),
					List.of(id), heldKeysUnlocked().containsKey(row.key()));
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public QuarantineActionResult release(String topic, String key) {
		this.lock.lock();
		try {
			List<Long> ids = new ArrayList<>();
			this.quarantine.forEach((id, row) -> {
				if (!row.released && row.key().equals(new HeldKey(topic, key))) {
					row.released = true;
					ids.add(id);
				}
			});
			return new QuarantineActionResult(Action.RELEASE, topic, key, ids, false);
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public QuarantineActionResult replay(String topic, String key) {
		this.lock.lock();
		try {
			List<Long> ids = new ArrayList<>();
			this.quarantine.entrySet().removeIf((entry) -> {
				if (entry.getValue().key().equals(new HeldKey(topic, key))) {
					this.rows.put(entry.getKey(), new StoredRow(entry.getValue().row));
					ids.add(entry.getKey());
					return true;
				}
				return false;
			});
			return new QuarantineActionResult(Action.REPLAY, topic, key, ids, false);
		}
		finally {
			this.lock.unlock();
		}
	}

	List<Long> quarantinedIds() {
		this.lock.lock();
		try {
			return new ArrayList<>(this.quarantine.keySet());
		}
		finally {
			this.lock.unlock();
		}
	}

	QuarantineEntry quarantineEntry(long id) {
		this.lock.lock();
		try {
			return this.quarantine.get(id).entry;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void unmarkRow(long id) {
		StoredRow row = this.rows.get(id);
		if (row != null) {
			row.leaderId = null;
		}
	}

	private void failQuarantineIfAsked() {
		if (this.failQuarantines > 0) {
			this.failQuarantines--;
			throw new DataAccessResourceFailureException("database is down");
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

	record MarkCall(long epoch, UUID leaderId, long afterId, long upToId, int limit, Set<HeldKey> heldKeys) {

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

		HeldKey key() {
			return new HeldKey(this.row.record().topic(), this.row.record().key());
		}

	}

	private static final class Quarantined {

		final OutboxRow row;

		final QuarantineEntry entry;

		boolean released;

		Quarantined(OutboxRow row, QuarantineEntry entry, boolean released) {
			this.row = row;
			this.entry = entry;
			this.released = released;
		}

		HeldKey key() {
			return new HeldKey(this.row.record().topic(), this.row.record().key());
		}

	}

}

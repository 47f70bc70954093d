package dev.harvest.outbox.harvest;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.harvest.outbox.harvest.event.KeyHeld;
import dev.harvest.outbox.harvest.event.KeyReleased;
import dev.harvest.outbox.harvest.event.RecordQuarantined;
import dev.harvest.outbox.jdbc.HeldKey;
import dev.harvest.outbox.jdbc.MarkResult;
import dev.harvest.outbox.jdbc.OutboxStore;
import dev.harvest.outbox.jdbc.QuarantineEntry;
import dev.harvest.outbox.jdbc.QuarantineResult;
import dev.harvest.outbox.jdbc.QuarantineStore;

/**
 * Carries out the poison policy on the marker thread: moves records that cannot be published
 * into the quarantine table, holds or parks their keys, and lets keys go again once an
 * operator has retried, released or replayed them. Running on the marker thread means that no
 * mark can slip in between a key's change and the marker's response to it.
 */
final class Quarantine {

	private static final Log logger = LogFactory.getLog(Quarantine.class);

	private final Pipeline pipeline;

	private final LeadershipTransitions leadership;

	private final OutboxStore outbox;

	private final QuarantineStore store;

	private final Config config;

	private final EventRelay events;

	private final Clock clock;

	Quarantine(Pipeline pipeline, LeadershipTransitions leadership, OutboxStore outbox, QuarantineStore store,
			Config config, EventRelay events, Clock clock) {
		this.pipeline = pipeline;
		this.leadership = leadership;
		this.outbox = outbox;
		this.store = store;
		this.config = config;
		this.events = events;
		this.clock = clock;
	}

	/**
	 * Reads the held keys for a new term; the term marks nothing before this succeeds.
	 * @param term the term
	 */
	void loadHolds(Term term) {
		Map<RecordKey, PoisonPolicy> held = new HashMap<>();
		this.store.heldKeys().forEach((key, policy) -> held.put(recordKey(key), policy));
		if (!held.isEmpty()) {
			logger.info("Harvester '" + this.config.name() + "' takes up " + held.size() + " key(s) held in "
					+ this.config.outboxTable().quarantine() + "; their rows wait until an operator acts");
		}
		this.pipeline.holdsLoaded(term, held);
	}

	/**
	 * Lets go of the keys quarantine no longer holds, because an operator acted.
	 * @param term the term
	 */
	void checkHolds(Term term) {
		Set<RecordKey> held = this.store.heldKeys().keySet().stream().map(Quarantine::recordKey)
			.collect(Collectors.toSet());
		this.pipeline.holdsChecked(term, held);
	}

	/**
	 * Does what the keys waiting for the database need. Work that fails with a database error
	 * goes back to wait, with every item not yet done, and the error is rethrown.
	 * @param term the term
	 * @return whether a key was released, so that its rows must be marked again from the
	 * head of the outbox
	 */
	boolean work(Term term) {
		List<KeyWork> work = this.pipeline.takeKeyWork(term);
		boolean released = false;
		for (int i = 0; i < work.size(); i++) {
			KeyWork item = work.get(i);
			try {
				Step step = switch (item.kind()) {
					case DECIDE -> decide(term, item);
					case PARK -> park(term, item);
					case UNMARK -> unmark(term, item);
					case RELEASE -> release(term, item);
				};
				if (step == Step.FENCED) {
					return released;
				}
				released |= step == Step.RELEASED;
			}
			catch (RuntimeException ex) {
				List<KeyWork> undone = work.subList(i, work.size());
				this.pipeline.keyWorkDone(term, (scheduler) -> undone.forEach(scheduler::workFailed));
				throw ex;
			}
		}
		return released;
	}

	private Step decide(Term term, KeyWork work) {
		ScheduledRecord record = work.poisoned();
		PoisonPolicy policy = this.config.retry().poisonPolicy();
		QuarantineEntry entry = entry(record, policy);
		List<Long> unmark = (policy == PoisonPolicy.HOLD_KEY) ? work.ids() : List.of();
		QuarantineResult result = this.store.quarantine(this.config.leaderGroupId(), term.epoch(), record.id(), entry,
				unmark);
		switch (result.outcome()) {
			case FENCED -> {
				this.leadership.staleEpoch(term, result.currentEpoch());
				return Step.FENCED;
			}
			case MISSING, RELEASED -> {
				logger.warn("Harvester '" + this.config.name() + "': " + record
						+ " cannot be published and is no longer in the outbox; its key goes on");
				done(term, (scheduler) -> scheduler.keyContinues(work, System.nanoTime()));
				return Step.DONE;
			}
			case MOVED -> {
				quarantined(record.id(), work.key(), record.attempts(), entry, policy);
				switch (policy) {
					case HOLD_KEY -> {
						logger.error(describe(record, entry) + "; its key is held: the key's later rows wait in the"
								+ " outbox until an operator retries, releases or replays it");
						done(term, (scheduler) -> scheduler.keyHeld(work, System.nanoTime()));
						this.events.publish(new KeyHeld(work.key().topic(), work.key().key(), record.id(), policy));
					}
					case PARK_KEY -> {
						logger.error(describe(record, entry) + "; its key is parked: the key's later rows follow it"
								+ " into quarantine until an operator replays or releases the key");
						done(term, (scheduler) -> scheduler.keyParked(work, System.nanoTime()));
						this.events.publish(new KeyHeld(work.key().topic(), work.key().key(), record.id(), policy));
					}
					case SKIP_RECORD -> {
						logger.warn(describe(record, entry) + "; its key goes on without it, as "
								+ "harvest.poison.policy=skip-record says, so the key's order is broken here");
						done(term, (scheduler) -> scheduler.keyContinues(work, System.nanoTime()));
					}
				}
				return Step.DONE;
			}
		}
		throw new IllegalStateException("Unknown outcome " + result.outcome());
	}

	private Step park(Term term, KeyWork work) {
		QuarantineEntry entry = parkedEntry();
		QuarantineResult result = this.store.park(this.config.leaderGroupId(), term.epoch(), heldKey(work.key()),
				work.ids(), entry);
		switch (result.outcome()) {
			case FENCED -> {
				this.leadership.staleEpoch(term, result.currentEpoch());
				return Step.FENCED;
			}
			case RELEASED -> {
				return released(term, work);
			}
			case MOVED, MISSING -> {
				for (Long id : result.ids()) {
					quarantined(id, work.key(), 0, entry, PoisonPolicy.PARK_KEY);
				}
				if (!result.ids().isEmpty() && logger.isInfoEnabled()) {
					logger.info("Harvester '" + this.config.name() + "' parked outbox rows " + result.ids() + " of "
							+ work.key() + " in " + this.config.outboxTable().quarantine());
				}
				done(term, (scheduler) -> scheduler.rowsLeft(work, System.nanoTime()));
				return Step.DONE;
			}
		}
		throw new IllegalStateException("Unknown outcome " + result.outcome());
	}

	private Step unmark(Term term, KeyWork work) {
		MarkResult result = this.outbox.unmark(this.config.leaderGroupId(), term.epoch(), work.ids());
		if (result.fenced()) {
			this.leadership.staleEpoch(term, result.currentEpoch());
			return Step.FENCED;
		}
		done(term, (scheduler) -> scheduler.rowsLeft(work, System.nanoTime()));
		return Step.DONE;
	}

	private Step release(Term term, KeyWork work) {
		if (!work.ids().isEmpty()) {
			MarkResult result = this.outbox.unmark(this.config.leaderGroupId(), term.epoch(), work.ids());
			if (result.fenced()) {
				this.leadership.staleEpoch(term, result.currentEpoch());
				return Step.FENCED;
			}
		}
		return released(term, work);
	}

	private Step released(Term term, KeyWork work) {
		if (!done(term, (scheduler) -> scheduler.keyReleased(work, System.nanoTime()))) {
			return Step.DONE;
		}
		logger.info("Harvester '" + this.config.name() + "' publishes " + work.key()
				+ " again: quarantine no longer holds it");
		this.events.publish(new KeyReleased(work.key().topic(), work.key().key()));
		return Step.RELEASED;
	}

	private boolean done(Term term, java.util.function.Consumer<KeyScheduler> outcome) {
		return this.pipeline.keyWorkDone(term, outcome);
	}

	private void quarantined(long id, RecordKey key, int attempts, QuarantineEntry entry, PoisonPolicy policy) {
		this.pipeline.observe((observer) -> observer.recordQuarantined(policy));
		this.events.publish(new RecordQuarantined(id, key.topic(), key.key(), attempts, entry.errorClass(), policy));
	}

	private QuarantineEntry entry(ScheduledRecord record, PoisonPolicy policy) {
		Instant now = this.clock.instant();
		Throwable failure = record.lastFailure();
		String defect = record.row().defect();
		if (defect != null || failure == null) {
			return new QuarantineEntry(record.attempts(), now, now, (defect != null) ? defect : "unknown", null, policy);
		}
		Instant first = (record.firstFailureTime() != null) ? record.firstFailureTime() : now;
		Instant last = (record.lastFailureTime() != null) ? record.lastFailureTime() : now;
		return QuarantineEntry.ofFailure(record.attempts(), first, last, failure, policy);
	}

	private QuarantineEntry parkedEntry() {
		Instant now = this.clock.instant();
		return new QuarantineEntry(0, now, now, "Parked: an earlier row of its key could not be published", null,
				PoisonPolicy.PARK_KEY);
	}

	private String describe(ScheduledRecord record, QuarantineEntry entry) {
		String why = (record.row().defect() != null) ? record.row().defect()
				: "failed " + record.attempts() + " attempt(s), last with " + entry.errorClass() + ": "
						+ entry.lastError();
		return "Harvester '" + this.config.name() + "' moved " + record + " to " + this.config.outboxTable().quarantine()
				+ " because it cannot be published (" + why + ")";
	}

	private static RecordKey recordKey(HeldKey key) {
		return new RecordKey(key.topic(), key.key());
	}

	private static HeldKey heldKey(RecordKey key) {
		return new HeldKey(key.topic(), key.key());
	}

	/**
	 * How one piece of work ended.
	 */
	private enum Step {

		DONE, RELEASED, FENCED

	}

}

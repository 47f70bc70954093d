package dev.harvest.outbox.backlog;

import java.util.List;

import dev.harvest.outbox.harvest.event.HarvestEvent;

/**
 * The backlog status changed, or stayed other than OK for another reminder interval (then
 * {@code previous} equals {@code current}). A return to OK is reported once.
 *
 * @param previous the status reported before, {@link BacklogStatus#NOTFOUND} when none was
 * @param current the status now
 * @param reasons why the current status is not OK; empty when it is
 */
public record BacklogStatusChanged(BacklogStatus previous, BacklogStatus current,
		List<BacklogReason> reasons) implements HarvestEvent {

	public BacklogStatusChanged {
		reasons = List.copyOf(reasons);
	}

	/**
	 * Whether this is a reminder of an unchanged status rather than a change.
	 * @return {@code true} for a reminder
	 */
	public boolean isReminder() {
		return this.previous == this.current;
	}

}

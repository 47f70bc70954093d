package dev.harvest.sample;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import dev.harvest.outbox.harvest.event.LeaderAcquired;
import dev.harvest.outbox.harvest.event.LeaderFenced;
import dev.harvest.outbox.harvest.event.LeaderRevoked;

/**
 * Logs this instance's leadership changes, the way an application reacts to Harvest's events.
 */
@Component
public class LeadershipLog {

	private static final Log logger = LogFactory.getLog(LeadershipLog.class);

	private volatile @Nullable LeaderAcquired lastAcquired;

	@EventListener
	void onLeaderAcquired(LeaderAcquired event) {
		this.lastAcquired = event;
		logger.info("This instance now publishes the outbox (leader id " + event.leaderId() + ", epoch "
				+ event.epoch() + ")");
	}

	@EventListener
	void onLeaderRevoked(LeaderRevoked event) {
		logger.info("This instance no longer publishes the outbox");
	}

	@EventListener
	void onLeaderFenced(LeaderFenced event) {
		logger.warn("This instance stopped publishing the outbox: " + event.reason());
	}

	/**
	 * Returns the last leadership this instance acquired.
	 * @return the event, or {@code null}
	 */
	public @Nullable LeaderAcquired lastAcquired() {
		return this.lastAcquired;
	}

}

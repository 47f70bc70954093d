package dev.harvest.outbox.harvest;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.harvest.outbox.OutboxRecord;

/**
 * The default {@link PoisonRecordHandler}: logs the record and holds its key, so that nothing
 * is published out of order or dropped.
 */
final class HoldingPoisonRecordHandler implements PoisonRecordHandler {

	private static final Log logger = LogFactory.getLog(HoldingPoisonRecordHandler.class);

	@Override
	public Disposition handle(PoisonRecord poison) {
		OutboxRecord record = poison.row().record();
		logger.error("Holding key '" + record.key() + "' of topic '" + record.topic() + "': outbox row "
				+ poison.row().id() + " cannot be published (" + poison.reason()
				+ "); the key's later rows wait until leadership changes or the row is dealt with");
		return Disposition.HOLD;
	}

}

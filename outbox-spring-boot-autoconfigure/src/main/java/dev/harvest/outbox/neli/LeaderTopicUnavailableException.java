package dev.harvest.outbox.neli;

/**
 * Thrown when the leader topic neither exists nor can be created, for example because the
 * client may not create topics, a broker policy refuses it, the name is invalid, or the
 * cluster cannot be reached in time. The message says how to create the topic by hand.
 */
public class LeaderTopicUnavailableException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String topic;

	public LeaderTopicUnavailableException(String topic, String message, Throwable cause) {
		super(message, cause);
		this.topic = topic;
	}

	/**
	 * Returns the name of the leader topic that is unavailable.
	 * @return the topic name
	 */
	public String getTopic() {
		return this.topic;
	}

}

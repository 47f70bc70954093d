package dev.harvest.sample;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ResponseStatus;

/**
 * An order that cannot be placed.
 */
@ResponseStatus(HttpStatus.BAD_REQUEST)
public class InvalidOrderException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public InvalidOrderException(String message) {
		super(message);
	}

}

package dev.harvest.benchmarks;

/**
 * Escaping for text placed in HTML and SVG.
 */
final class Html {

	private Html() {
	}

	static String escape(String text) {
		return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
	}

}

package dev.harvest.benchmarks;

/**
 * A measured quantity: its key in CSV and JSON, the header of its table column, its unit and
 * how many decimals to print.
 *
 * @param key the key, such as {@code rate}
 * @param header the column header
 * @param unit the unit, such as {@code records/s}
 * @param decimals decimals printed in the table
 */
record Metric(String key, String header, String unit, int decimals) {

}

import { SQLDialect } from '@codemirror/lang-sql';

/**
 * DuckDB's SQL for CodeMirror: its keywords (QUALIFY, PIVOT, ASOF, GROUP BY ALL…), its types (HUGEINT,
 * TIMESTAMPTZ, STRUCT, MAP…) and its common functions, so they are highlighted and completed.
 * lang-sql colours a word by the last list it is in (functions beat types beat keywords), so a word that
 * is two things (REPLACE, RANGE, LEFT) is coloured as what it is most often meant to be; completion offers both.
 */

export const KEYWORDS = `
all alter analyze and anti any as asc asof at attach begin between both by call cascade case cast check
checkpoint collate column columns commit constraint copy create cross cube current_date current_time
current_timestamp database default delete desc describe detach distinct do drop else end escape except
exclude execute exists explain export extension false fetch filter first following for force foreign from
full function glob grant group grouping having if ilike import in index inner insert install intersect
interval into is isnull join key lambda last lateral left like limit load macro materialized natural not
nothing notnull null nulls offset on or order ordinality outer over partition pivot pivot_longer
pivot_wider positional pragma preceding prepare primary qualify range recursive references rename replace
reset respect returning right rollback rollup row rows sample schema select semi sequence set sets setting
show similar some summarize table tablesample temp temporary then ties to transaction true truncate
unbounded union unique unpivot update use using vacuum values view virtual when where window with within
without
`;

export const TYPES = `
bigint binary bit bitstring blob bool boolean bpchar bytea char date datetime decimal double enum float
float4 float8 hugeint int int1 int128 int16 int2 int32 int4 int64 int8 integer list logical long map
numeric real short signed smallint string struct text time timestamp timestamp_ms timestamp_ns
timestamp_s timestamptz timetz tinyint ubigint uhugeint uinteger union usmallint utinyint uuid varbinary
varchar json array
`;

export const FUNCTIONS = `
abs acos add age any_value approx_count_distinct approx_quantile arbitrary arg_max arg_min argmax argmin
array_agg array_append array_concat array_contains array_distinct array_filter array_length array_position
array_slice array_sort array_to_string array_transform ascii asin atan atan2 avg bar base64 bit_and
bit_count bit_length bit_or bit_xor bool_and bool_or cardinality cbrt ceil ceiling chr coalesce concat
concat_ws contains corr cos cot count count_if count_star covar_pop covar_samp cume_dist
current_localtimestamp current_schema currval date_add date_diff date_part date_sub date_trunc datediff
datepart datesub datetrunc day dayname dayofmonth dayofweek dayofyear decade degrees dense_rank divide
ends_with entropy epoch epoch_ms epoch_ns epoch_us era even exp factorial favg first_value flatten floor
format fsum gamma gcd gen_random_uuid generate_series generate_subscripts geomean greatest
greatest_common_divisor hash hex histogram hour ifnull instr isfinite isinf isnan isodow isoyear
json_array_length json_extract json_extract_path json_extract_string json_group_array json_group_object
json_keys json_object json_structure json_transform json_type json_valid jaccard jaro_similarity kurtosis
lag last_day last_value lcase lcm lead least left_grapheme len length levenshtein lgamma list_aggr
list_aggregate list_any_value list_append list_apply list_concat list_contains list_count list_distinct
list_extract list_filter list_first list_has list_has_all list_has_any list_last list_max list_min
list_position list_prepend list_reduce list_reverse list_select list_slice list_sort list_sum
list_transform list_unique list_value list_zip ln log log10 log2 lower lpad ltrim make_date make_time
make_timestamp map_entries map_extract map_from_entries map_keys map_values max max_by md5 md5_number
median microsecond millennium millisecond min min_by minute mismatches mod mode month monthname nextafter
nextval nfc_normalize now nth_value ntile nullif octet_length parse_path percent_rank pi position pow
power prefix printf product quantile quantile_cont quantile_disc quarter radians random range rank
regexp_extract regexp_extract_all regexp_full_match regexp_matches regexp_replace regexp_split_to_array
regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope repeat reservoir_quantile reverse right
round round_even row_number row_to_json rpad rtrim second sem setseed sha1 sha256 sign signbit sin skewness
split split_part sqrt starts_with stddev stddev_pop stddev_samp str_split strftime string_agg
string_split string_split_regex string_to_array strip_accents strlen strpos strptime struct_extract
struct_insert struct_pack substr substring suffix sum sum_no_overflow tan time_bucket timezone
timezone_hour timezone_minute to_base64 to_days to_hours to_json to_microseconds to_milliseconds
to_minutes to_months to_seconds to_timestamp to_weeks to_years today transaction_timestamp translate trim
trunc try_cast try_strptime typeof ucase unhex unicode union_extract union_tag union_value unnest upper
uuid var_pop var_samp variance version week weekday weekofyear xor year yearweek read_csv read_csv_auto
read_json read_json_auto read_ndjson read_parquet parquet_schema parquet_metadata glob
`;

const words = (list: string) => list.split(/\s+/).filter(Boolean);

export const keywordList = words(KEYWORDS);
export const typeList = words(TYPES);
export const functionList = [...new Set(words(FUNCTIONS))];

export const DuckDB = SQLDialect.define({
  keywords: keywordList.join(' '),
  // UNION and INTERVAL are types too, but read as keywords far more often.
  types: typeList.filter((t) => !keywordList.includes(t)).join(' '),
  builtin: functionList.filter((f) => !keywordList.includes(f) && !typeList.includes(f)).join(' '),
  // 'text' is a string, "text" an identifier; $$text$$ is a string too.
  doubleQuotedStrings: false,
  doubleDollarQuotedStrings: true,
  backslashEscapes: false,
  // DuckDB matches identifiers case-insensitively: completions need no quotes for upper-case letters.
  caseInsensitiveIdentifiers: true,
  // `::` casts, `->` lambdas and JSON paths, `||` concatenation, `@` absolute value.
  operatorChars: '*+-%<>!=&|~^/:@',
  // Prepared-statement parameters (`$1` cannot be one too: `$` starts a $$string$$).
  specialVar: '?',
});

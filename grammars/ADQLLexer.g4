// ADQL 2.1 lexer (IVOA Recommendation 2023-12-15, adql.bnf in ivoa-std/ADQL).
// Keywords are case-insensitive (ADQL 2.1 section 2.1.2). Only the keywords the grammar's
// structure needs are tokens; function names (ABS, POINT, DISTANCE, ...) are identifiers that
// the AST builder recognises, so their errors can name the function and its arity.
// Generated with Debian's antlr4 tool 4.7.2 for the Debian C++ runtime 4.9 (a pair known to work).
// This grammar defines the tokens; at run time libdax reads them from a hand-written tokenizer
// (libdax/src/adql/token_source.cpp) that tests/adql/lexer_test.cpp proves equal to it.
lexer grammar ADQLLexer;

ALL: A L L;
AND: A N D;
AS: A S;
ASC: A S C;
BETWEEN: B E T W E E N;
BY: B Y;
CASE: C A S E;
CAST: C A S T;
CROSS: C R O S S;
DESC: D E S C;
DISTINCT: D I S T I N C T;
ELSE: E L S E;
END: E N D;
EXCEPT: E X C E P T;
EXISTS: E X I S T S;
FROM: F R O M;
FULL: F U L L;
GROUP: G R O U P;
HAVING: H A V I N G;
ILIKE: I L I K E;
IN: I N;
INNER: I N N E R;
INTERSECT: I N T E R S E C T;
IS: I S;
JOIN: J O I N;
LEFT: L E F T;
LIKE: L I K E;
NATURAL: N A T U R A L;
NOT: N O T;
NULL_: N U L L;
OFFSET: O F F S E T;
ON: O N;
OR: O R;
ORDER: O R D E R;
OUTER: O U T E R;
RIGHT: R I G H T;
SELECT: S E L E C T;
THEN: T H E N;
TOP: T O P;
UNION: U N I O N;
USING: U S I N G;
WHEN: W H E N;
WHERE: W H E R E;
WITH: W I T H;

// ADQL regular identifiers start with a letter; a leading underscore is lexed too so that the
// builder can say "quote it" instead of a bare token error.
REGULAR_ID: [a-zA-Z_] [a-zA-Z0-9_]*;
DELIMITED_ID: '"' ( ~'"' | '""' )* '"';
STRING: '\'' ( ~'\'' | '\'\'' )* '\'';

REAL_LIT: ( DIGITS ( '.' DIGITS? )? | '.' DIGITS ) [eE] [+-]? DIGITS;
DECIMAL_LIT: DIGITS '.' DIGITS? | '.' DIGITS;
// A number glued to a name is a number and then the name, as SQL lexers form tokens:
// ORDER BY 2desc is 2 DESC, SELECT 89x is 89 AS x (ADQL has no hexadecimal literals).
INTEGER_LIT: DIGITS;

CONCAT: '||';
NE: '<>' | '!=';
LE: '<=';
GE: '>=';
LT: '<';
GT: '>';
EQ: '=';
PLUS: '+';
MINUS: '-';
STAR: '*';
SLASH: '/';
LPAREN: '(';
RPAREN: ')';
COMMA: ',';
DOT: '.';
SEMI: ';';

COMMENT: '--' ~[\r\n]* -> channel(HIDDEN);
WS: [ \t\r\n\f]+ -> channel(HIDDEN);

// Anything else becomes one token the parser rejects with its position.
UNEXPECTED_CHAR: .;

fragment DIGITS: [0-9]+;
fragment A: [aA]; fragment B: [bB]; fragment C: [cC]; fragment D: [dD]; fragment E: [eE];
fragment F: [fF]; fragment G: [gG]; fragment H: [hH]; fragment I: [iI]; fragment J: [jJ];
fragment K: [kK]; fragment L: [lL]; fragment M: [mM]; fragment N: [nN]; fragment O: [oO];
fragment P: [pP]; fragment Q: [qQ]; fragment R: [rR]; fragment S: [sS]; fragment T: [tT];
fragment U: [uU]; fragment V: [vV]; fragment W: [wW]; fragment X: [xX]; fragment Y: [yY];
fragment Z: [zZ];

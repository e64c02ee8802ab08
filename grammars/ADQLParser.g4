// ADQL 2.1 parser (adql.bnf of the Recommendation), with one expression rule per level so that
// arithmetic is left-associative: a-b-c is (a-b)-c. Semantic checks (function arity, reserved
// words as names, JOIN without ON) live in the AST builder, which reports them with positions.
// Extensions beyond the 2.1 BNF, all standard SQL: CASE, NULLIF, CROSS JOIN, an optional final ';',
// '*' among other select items; adjacent string literals concatenate (SQL-92 5.3).
parser grammar ADQLParser;
options { tokenVocab = ADQLLexer; }

query: queryExpression SEMI? EOF;

queryExpression: withClause? selectExpression;
withClause: WITH withQuery (COMMA withQuery)*;
withQuery: name=(REGULAR_ID | DELIMITED_ID) AS LPAREN queryExpression RPAREN;

selectExpression: setExpression orderByClause? offsetClause?;

setExpression
    : setPrimary                                             # setPrim
    | setExpression INTERSECT ALL? setExpression             # setIntersect
    | setExpression op=(UNION | EXCEPT) ALL? setExpression   # setUnion
    ;
setPrimary
    : selectQuery
    | LPAREN queryExpression RPAREN
    ;

selectQuery
    : SELECT quantifier=(DISTINCT | ALL)? (TOP INTEGER_LIT)? selectList
      fromClause whereClause? groupByClause? havingClause?
    ;
// '*' may stand among other items (SELECT a, *, b), as in SQL and ESO's ObsCore examples.
selectList: selectItem (COMMA selectItem)*;
// t.* is a name reference ending in '*' (see nameRef), so that every name needs one token of
// lookahead; the builder accepts it only as a whole select item.
selectItem: star=STAR | valueExpr (AS? alias=(REGULAR_ID | DELIMITED_ID))?;

fromClause: FROM tableReference (COMMA tableReference)*;
tableReference
    : tablePrimary                                                               # tabPrimary
    | tableReference CROSS JOIN tablePrimary                                     # tabCross
    | tableReference NATURAL? joinType? JOIN tableReference joinSpecification?   # tabJoin
    ;
joinType: INNER | (LEFT | RIGHT | FULL) OUTER?;
joinSpecification
    : ON searchCondition                       # joinOn
    | USING LPAREN cols+=(REGULAR_ID | DELIMITED_ID) (COMMA cols+=(REGULAR_ID | DELIMITED_ID))* RPAREN   # joinUsing
    ;
tablePrimary
    : qualifiedName (AS? alias=(REGULAR_ID | DELIMITED_ID))?                 # tableName
    | LPAREN queryExpression RPAREN AS? alias=(REGULAR_ID | DELIMITED_ID)    # derivedTable
    | LPAREN tableReference RPAREN                    # parenJoin
    ;

whereClause: WHERE searchCondition;
groupByClause: GROUP BY valueExpr (COMMA valueExpr)*;
havingClause: HAVING searchCondition;
orderByClause: ORDER BY orderItem (COMMA orderItem)*;
orderItem: valueExpr dir=(ASC | DESC)?;
offsetClause: OFFSET INTEGER_LIT;

// Predicates are alternatives of the condition rule itself, and primaries of the value rule:
// one parse-tree node less per predicate and per operand. Predicates have one alternative per
// leading token, so that prediction needs one token in the common case instead of scanning the
// whole left operand to find the operator.
searchCondition
    : NOT searchCondition                          # condNot
    | searchCondition AND searchCondition          # condAnd
    | searchCondition OR searchCondition           # condOr
    | LPAREN searchCondition RPAREN                # predParen
    | EXISTS LPAREN queryExpression RPAREN         # predExists
    | valueExpr predicateTail                      # predValue
    ;
predicateTail
    : compOp valueExpr                                      # tailCompare
    | NOT? BETWEEN valueExpr AND valueExpr                  # tailBetween
    | NOT? IN LPAREN queryExpression RPAREN                 # tailInQuery
    | NOT? IN LPAREN valueExpr (COMMA valueExpr)* RPAREN    # tailInList
    | NOT? op=(LIKE | ILIKE) valueExpr                      # tailLike
    | IS NOT? NULL_                                         # tailNull
    ;
compOp: EQ | NE | LT | GT | LE | GE;

valueExpr
    : op=(PLUS | MINUS) valueExpr                  # exprSign
    | valueExpr op=(STAR | SLASH) valueExpr        # exprMul
    | valueExpr op=(PLUS | MINUS) valueExpr        # exprAdd
    | valueExpr CONCAT valueExpr                   # exprConcat
    | INTEGER_LIT                                                     # litInteger
    | DECIMAL_LIT                                                     # litDecimal
    | REAL_LIT                                                        # litReal
    | STRING+                                                         # litString
    | NULL_                                                           # litNull
    | CAST LPAREN valueExpr AS castType RPAREN                        # castExpr
    | CASE valueExpr? caseWhen+ (ELSE valueExpr)? END                 # caseExpr
    // A name: a function call if '(' follows, else a column reference (or t.* in a select list).
    | parts+=(REGULAR_ID | DELIMITED_ID)
      ( LPAREN ( callStar=STAR | quantifier=(DISTINCT | ALL)? (valueExpr (COMMA valueExpr)*)? ) RPAREN
      | ( DOT ( parts+=(REGULAR_ID | DELIMITED_ID) | allOf=STAR ) )*
      )                                                               # nameRef
    | LPAREN queryExpression RPAREN                                   # scalarSubquery
    | LPAREN valueExpr RPAREN                                         # parenExpr
    ;

caseWhen: WHEN (searchCondition | valueExpr) THEN valueExpr;
castType: words+=(REGULAR_ID | DELIMITED_ID) (words+=(REGULAR_ID | DELIMITED_ID))? (LPAREN INTEGER_LIT RPAREN)?;

// Names are tokens, not a rule of their own: one parse-tree node less per name.
qualifiedName: parts+=(REGULAR_ID | DELIMITED_ID) (DOT parts+=(REGULAR_ID | DELIMITED_ID))*;

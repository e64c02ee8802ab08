// ADQL 2.1 parser (adql.bnf of the Recommendation), with one expression rule per level so that
// arithmetic is left-associative: a-b-c is (a-b)-c. Semantic checks (function arity, reserved
// words as names, JOIN without ON) live in the AST builder, which reports them with positions.
// Extensions beyond the 2.1 BNF, all standard SQL: CASE, NULLIF, CROSS JOIN, an optional final ';'.
parser grammar ADQLParser;
options { tokenVocab = ADQLLexer; }

query: queryExpression SEMI? EOF;

queryExpression: withClause? selectExpression;
withClause: WITH withQuery (COMMA withQuery)*;
withQuery: identifier AS LPAREN queryExpression RPAREN;

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
selectList: STAR | selectItem (COMMA selectItem)*;
selectItem
    : qualifiedName DOT STAR         # itemAllOf
    | valueExpr (AS? identifier)?    # itemExpr
    ;

fromClause: FROM tableReference (COMMA tableReference)*;
tableReference
    : tablePrimary                                                               # tabPrimary
    | tableReference CROSS JOIN tablePrimary                                     # tabCross
    | tableReference NATURAL? joinType? JOIN tableReference joinSpecification?   # tabJoin
    ;
joinType: INNER | (LEFT | RIGHT | FULL) OUTER?;
joinSpecification
    : ON searchCondition                       # joinOn
    | USING LPAREN identifier (COMMA identifier)* RPAREN   # joinUsing
    ;
tablePrimary
    : qualifiedName (AS? identifier)?                 # tableName
    | LPAREN queryExpression RPAREN AS? identifier    # derivedTable
    | LPAREN tableReference RPAREN                    # parenJoin
    ;

whereClause: WHERE searchCondition;
groupByClause: GROUP BY valueExpr (COMMA valueExpr)*;
havingClause: HAVING searchCondition;
orderByClause: ORDER BY orderItem (COMMA orderItem)*;
orderItem: valueExpr dir=(ASC | DESC)?;
offsetClause: OFFSET INTEGER_LIT;

searchCondition
    : NOT searchCondition                          # condNot
    | searchCondition AND searchCondition          # condAnd
    | searchCondition OR searchCondition           # condOr
    | predicate                                    # condPredicate
    ;
// One alternative per leading token, so that prediction needs one token in the common case
// instead of scanning the whole left operand to find the operator.
predicate
    : LPAREN searchCondition RPAREN             # predParen
    | EXISTS LPAREN queryExpression RPAREN      # predExists
    | valueExpr predicateTail                   # predValue
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
    | primary                                      # exprPrimary
    ;

primary
    : INTEGER_LIT                                                     # litInteger
    | DECIMAL_LIT                                                     # litDecimal
    | REAL_LIT                                                        # litReal
    | STRING                                                          # litString
    | NULL_                                                           # litNull
    | CAST LPAREN valueExpr AS castType RPAREN                        # castExpr
    | CASE valueExpr? caseWhen+ (ELSE valueExpr)? END                 # caseExpr
    | identifier LPAREN STAR RPAREN                                   # callStar
    | identifier LPAREN quantifier=(DISTINCT | ALL)? (valueExpr (COMMA valueExpr)*)? RPAREN # call
    | qualifiedName                                                   # columnRef
    | LPAREN queryExpression RPAREN                                   # scalarSubquery
    | LPAREN valueExpr RPAREN                                         # parenExpr
    ;
caseWhen: WHEN (searchCondition | valueExpr) THEN valueExpr;
castType: identifier (identifier)? (LPAREN INTEGER_LIT RPAREN)?;

qualifiedName: identifier (DOT identifier)*;
identifier: REGULAR_ID | DELIMITED_ID;

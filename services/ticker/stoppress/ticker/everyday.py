"""Everyday English words, as clustering terms (generated: do not edit by hand).

A headline that shares just one term with a story, and that term is one of
these, does not join the story on it (:class:`~stoppress.ticker.clustering.StoryIndex`):
"gas", "north" or "test" says little about which story a headline covers,
whereas a story's name ("titanfall", "sxsw", "bitcoin") does. See "Story
clustering" in ``docs/ranking.md`` for the measurements behind the rule.

The terms whose words occur at least 10^4.5 times per 10^9 words (Zipf
4.5) in English, by wordfreq 3.1.1, after Stop Press's own text
normalisation. Regenerate with ``services/ticker/scripts/build_everyday_terms.py``.

Derived from wordfreq's data (Robyn Speer et al., https://github.com/rspeer/wordfreq),
which is licensed CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/) and
includes data from Google Books Ngrams (http://books.google.com/ngrams), Wikipedia,
the Leeds Internet Corpus, ParaCrawl, SUBTLEX and others; this list of terms is
licensed CC BY-SA 4.0 too.
"""

from __future__ import annotations

from stoppress.ticker.textfeatures import is_english

__all__ = ["EVERYDAY_EN", "everyday_terms"]

_EN_TEXT = """
    1st 2nd 3rd 4th abandon ability able absolute abuse academic academy accept access accident accord account
    accurate accus achiev achieve achievement acid across act acting action active activity actor acts actual ad
    adam add added adding addition additional address administration admit adopt adult advanc advance advantage
    adventure advertis advice affair affect afford afraid africa african afternoon afterward age agency agent ages
    ago agre agree agreement ah ahead aid aim ain't air aircraft airport al album alcohol alex alive allow ally
    almost alone along already alternative although alway amaz amazon america american among amount analysis ancient
    andrew angel angele angle angry animal anniversary announc annoy annual answer anti anybody anymore anyone anyth
    anyway anywhere apart apartment app apparent appeal appear appearance apple appli application apply appoint
    appointment appreciate approach appropriate approv approval approximate april area aren't argu argue argument
    arm armed arms army around arrangement arrest arriv arrive art article artist arts asia asian aside ask asked
    asking aspect ass assault assemb assessment asset assign assist assistance assistant associat associate
    association assum assume athlete attach attack attempt attend attention attitude attorney attract attractive
    audience august australia australian author authority automatical available average avoid award aware away
    awesome b baby back background bad bag balance ball ban band bank bar bare base baseball based basic basical
    basis basketball bath bathroom battery battle bay bbc bc beach bear beat beautiful beauty became because becom
    become bed bedroom beer began begin behavior behind belief believ believe bell belong belt ben benefit beside
    best bet better beyond bible big bigger biggest bike bill billion bird birth birthday bit bitch black blame
    bless blind block blog blood blow blue board boat bob body bomb bond bone book boost boot border born boss
    boston bother bottle bottom bought bound bowl box boy boyfriend boys brain branch brand brazil bread break
    breakfast breast breath bridge brief bright brilliant bring britain british broad broadcast broke broken brother
    brought brown buddy budget build built bull bunch burn bus bush business busy button buy buying c ca cabinet
    cable cake california call calm came camera camp campaign campus canada canadian cancer candidate cannot cap
    capable capacity capital captain captur car carbon card care career careful carolina carri carry cars case cash
    cast cat catch category catholic caught caus cause celebrat celebrate celebrity cell cent center central centre
    century ceremony certain chain chair chairman challenge chamber champion championship chance chang change
    channel chapter character charg charge charity charle chart chat cheap cheat check cheer cheese chemical chest
    chicago chicken chief child childhood children china chinese chip chocolate choice choose chose chosen chris
    christ christian christma church circle circuit circumstance citizen city civil claim class classic clean clear
    click client climate climb clinical clinton clip clock clos close closer cloth clothe cloud club co coach coal
    coast coat code coffee coin cold collect collection college color colour combat combin combination comedy
    comfort comfortable comic coming command commander comment commercial commission commissioner commit commitment
    committee common communication community company compar compare comparison competition competitive complain
    complaint complet complete complex component computer concept concern concert conclusion condition conduct
    conference confidence confirm conflict confus congress connect connection consequence conservative consider
    consist consistent constant constitution construct construction consumer contact contain contemporary content
    contest context continu continue contract contrast contribut contribution control controll convention
    conversation convert convinc cook cool copy core corner corp corporate corporation correct cost couldn't council
    count counter country county couple course court cousin cover coverage crack craft crash crazy cream creat
    create creation creative credit crew crime criminal crisis critic critical criticism cross crowd crown crush cry
    crying cultural culture cup current custom customer cut cute cycle d da dad daily damag damage damn dan danc
    dance danger dangerous daniel dark data date dating daughter david day days dc de dead deal dear death debate
    debt debut decade december decid decide decision declar dedicat deep defeat defence defend defense defin
    definite definition degree delay deliver delivery demand democracy democrat democratic deny department depend
    deposit depression depth deputy describ describe description desert deserve design designer desire despite
    destroy detail determin determine develop developer development device diamond dick didn't die died diet
    difference different difficult difficulty digital dinner direct direction director dirty disappear disappoint
    discount discover discovery discuss discussion disease disorder display distance distribution district divid
    division doctor document doesn't dog dogs dollar domestic done dont door double doubt download dozen dr draft
    drag dragon drama draw drawn dream dress drink driv drive driven driver drop drug drunk dry dude due dumb duty
    dying dynamic e ear earlier early earn earth easi easier east eastern easy eat eating economic economy ed edge
    edit edition editor education educational edward effect effective efficient effort eg eight either el elect
    election electric electronic element else em email emergency emotion emotional empire employ employee employer
    employment empty encounter encourag encourage end ended ending ends enemy energy engag engine engineer england
    english enjoy enough ensure enter enterprise entertainment entire entitl entry environment environmental episode
    equal equipment equivalent era error escape especial essential establish establishment estate estimat estimate
    et etc eu europe european event eventual ever everybody everyone everyth everywhere evidence evil ex exact
    example excellent except exception exchange excit excuse executive exercise exist existence expand expansion
    expect expectation expense expensive experienc experience experiment expert explain explanation export expos
    express expression extend extension extensive external extra extreme eye eyes f face facebook facility facing
    fact factor factory fail failure fair faith fake fall false fami familiar family famous fan fans fantastic
    fantasy far farm farmer fashion fast faster fat father fault favor favorite favourite fear featur feature
    february fed federal fee feed feel fees feet fell fellow felt female festival field fifth fight fighter figure
    file fill film filter final finance financial find fine finger finish fire fired firm first fish fit five fix
    fixed flag flash flat flight flood floor florida flow flower fly flying focus folk follow food fool foot
    football forc force ford foreign forest forever forget forgot form formal format formation former forward found
    foundation founder four fourth fox frame france francisco frank free freedom french frequent fresh friday friend
    front fruit ft fuck fuel full fully fun function fund funny future g gain gallery game gang garden gas gate
    gather gave gay gear gender gene general generat generation genuine george german germany ghost giant gift girl
    girlfriend give given giving glad glass global goal god gold golden golf gone gonna good google gotta government
    governor grab grace grade graduate grand grant graphic great greater greatest greek green grew grey gross ground
    group grow grown growth guarantee guard guess guest guide guilty guitar gun guns guy guys h ha habit haha hair
    half hall hand handl handle hang happen happy hard harder harm harry hasn't hat hate haven't he'd he'll head
    heal health healthy hear heard heart heat heaven heavi heavy height held hell hello help henry hero hey hi
    hidden hide high higher highest highlight highway hill historical history hit hits hold hole holiday hollywood
    holy home honest hong honor honour hook hope hopeful hoping horse hospital host hot hotel hour hous house
    household however http huge human hundr hunt hunter hurt husband i'd i'll i'm i've ice id idea ideal identifi
    identify identity idiot ie ignore ii iii ill illegal im image imagine immediate immigrant impact implement
    import importance important impossible impress improv improve improvement inc inch incident includ include
    income increas increase incredible inde independence independent index india indian indicat indicate individual
    industrial industry influence info inform information initial initiative injur injury inside inspir install
    instance instant instead institute institution instruction instrument insurance intelligence intend intention
    interaction interest interior internal international internet interview introduc introduction invest
    investigation investment invit involv involve iran ireland irish iron island isn't israel issu issue it'll
    italian italy item j jack jackson jail jame jan january japan japanese jean jersey jesus jewish jim job jobs joe
    john johnson join joint joke jone jordan joseph journal journalist journey joy jr judge july jump june junior
    jury justice k keep kept kevin key kick kid kids kill killer kim kind kinda king kingdom kiss kitchen knee knew
    knight knock knowledge known kong korea korean l la label labor labour lack lady laid lake land lane language
    large larger largest last late later latter laugh launch law laws lawyer lay layer le lead leader leadership
    league leak learn least leav leave led lee left leg legal legend legislation legs length less lesson lets letter
    level liberal library license lie lies life lift light like liked limit line link lion list listen literal
    literature little lived living ll load loan local locat location lock log lol london long longer loose lord los
    lose losing loss lost lot lots loud louis love loved lover low lower luck lucky lunch lying m ma machine mad
    magazine magic mail main maintain maintenance major majority maker making male man manag manage management
    manager manchester manner manufactur manufacturer map march marine mark market marri marriage marry martin mary
    mask mass massive master match mate material math matt matter max maximum maybe mayor meal mean meant measure
    meat medal media medical medicine medium meet member memory men mental mention mere mess message met metal
    method mexico michael michigan mid middle mike mile military milk mill miller million mind mine minimum mining
    minister ministry minor minority minute mirror miss mission mistake mix mixed mm mobile mode model modern mom
    moment monday money monitor monster month moon moral morn mother motion motor mount mountain mouth move moved
    movement movie moving movy mr mrs ms multi multiple murder muscle museum music musical muslim mystery n nail
    name named narrow nation national native natural nature navy near nearby necessary neck negative neighbor
    neighborhood neither net network never newspaper next nfl nice nick night nine nobody noise non none normal
    north northern nose note noted noth notic notice novel november nuclear number numerous nurse o obama object
    objective obtain obvious occasion occasional occur ocean october offer office officer official often oh ohio oil
    ok okay old older olympic one ones online onto open operat operate operation operator opinion opponent
    opportunity oppos opposite opposition option orange order organisation organiz organization origin original
    otherwise ourselve outcome outside overall owned owner p pacific pack package page paid pain paint pair pakistan
    panel pant paper parent paris park parliament part particular partner partnership party pass passenger past path
    patient pattern paul pay paying payment pc peace peak penalty people per percent percentage perfect perform
    performance perhap period permanent permission permit person personal personality personnel perspective peter
    phase philosophy phone photograph physical pick picture piece pilot pink piss pitch plac place plain plan plane
    planet plant plastic plate platform play player pleas please pleasure plenty plot plus pm pocket point police
    policy politic political politician poll pool poor pop popular population port portion position positive possib
    possibility possible post potential pound power powerful practical practice pray prayer pre predict prefer
    pregnant premier prepar prepare presence present president presidential press pressure pretend pretty prevent
    previous price pride priest primary prime prince princess principal principle print prior priority prison
    prisoner private prize pro probab problem procedure process produc produce producer product production
    professional professor profile profit program programme progress project promis promise promot promote promotion
    proof proper property propos proposal protect protection protein protest proud prov prove provid provide
    province public publication publish pull pump punch purchas purchase pure purpose push put puts q quality
    quarter queen question quick quiet quit quite quote r race racing radio rail railway rain rais raise ran random
    range rank rape rapid rare rate rather rating raw ray re reach reaction read reader ready real reality realiz
    realize reason reasonable recall receiv receive recent recogniz recognize recommend recommendation record
    recover recovery red reduc reduce refer reference reflect reform refus refuse regard region regional register
    regret regular regulation reject relat relation relationship relative relax releas release relevant relief
    religion religious rely remain remember remind remov remove rent repair repeat replac replace reply reporter
    represent representative republic republican request requir require requirement rescue research researcher
    reserve resident resistance resolution resort resource respect respective respond response responsibility
    responsible rest restaurant result retail retain retir retirement return reveal revenue review revolution reward
    rice rich richard rid ride ridiculous right ring rip rise rising risk river road rob robert rock roger role roll
    roman roof room root rose rough round route routine row royal ruin rule run runs rural rush russia russian ryan
    sad safe safety saint sale salt sam sample san sand santa sat saturday save saved saving saw saying scale scar
    scene schedul schedule scheme school science scientific scientist scor score scotland scott scottish scream
    screen screw script sea seal search season seat second secondary secret secretary section sector secure security
    seed seeing seek seem seen sees select selection self sell semi senate senator send senior sense sent sentence
    separate september serious serv serve server service sery session set sets settl settlement seven several severe
    sex sexual shadow shame shape shar share sharp sheet shell shield shift ship shirt shit shock shoe shoot shop
    short shot shoulder shouldn't show shower shown shut sick side sight sign signal significant silent silver
    similar simon simp simple since sing singer single sir sister sit site situation six size skill skin sky slave
    sleep slight slip slow small smaller smart smell smile smith smok smoke smooth snow social society soft software
    solar sold soldier sole solid solo solution somebody somehow someone someth sometime somewhat somewhere son song
    soon sorry sort soul sound source south southern soviet space spain spanish speak speaker special specific
    specifical specy speech speed spell spend spent spin spirit split spoke sponsor sport spot spread spring squad
    square st stable stadium staff stage stand standard star start stat state statement station statistic status
    stay steal steam steel step stephen steve stick stock stone stood stop storage store storm story straight
    strange stranger strategy stream street strength stress stretch strike string strip strong stronger structure
    struggle stuck student studio study stuff stupid style sub subject submit subsequent success successful suck
    sudden suffer sugar suggest suggestion suicide suit summer sun sunday super supp supply support supporter suppos
    suppose supreme sure surface surgery surpris surprise surround survey survive suspect swear sweet swim swing
    switch sydney symptom system table tag taken taking tale talent talk tall tank tape target task taste taught tax
    taylor tea teach teacher team tear tech technical technique technology teen teeth television temperature temple
    ten tend term terrible territory terrorist test texa text thank theatre theme theory therapy therefore they'll
    they're they've thin third thoma though thought thousand thread threat threaten three throughout throw thursday
    thus ticket tie tiger tight till tim time tiny tip tips tired title today together told tom tomorrow tone
    tonight tony took tool top topic toronto total touch tough tour tournament toward tower town track trad trade
    tradition traditional traffic trail train transaction transfer transition transport transportation trap travel
    treat treatment tree trend trial trick trie tried trigger trip troop trouble truck true truly trump trust truth
    try trying tuesday turkey turn tv tweet twenty twice twin twist twitter two type typical u uk ultimate un unable
    understand understood unfortunate uniform union unique unit universal universe university unknown unless unlike
    unusual upon upper upset urban us usa use used useful user uses using usual valley valuable value van variety
    various vary vast ve vehicle version vessel veteran vice victim victory view village violence violent virginia
    virtual vision visit visitor visual voice volume volunteer vote voted voter voting w wage wait wake wale walk
    wall wanna war warm warn warrior wars wash washington wasn't waste water wave we'll we're we've weak wealth
    weapon wear weather web website wed wednesday week weekend weight weird welcome well went weren't west western
    wet whatever wheel whenever whether white whole whose wide wife wild william wilson win wind window wine wing
    winner wins winter wire wise wish within without witness woman women wonder wonderful wood word work worker
    world worldwide worri worry worse worst worth wouldn't wound wow wrap writ write writer written wrong wrote x y
    ya yard yeah year yellow yes yesterday york you'd you'll you're you've young younger youth youtube zealand zero
    zone
"""

EVERYDAY_EN: frozenset[str] = frozenset(_EN_TEXT.split())
"""2686 terms."""

_NONE: frozenset[str] = frozenset()


def everyday_terms(language: str) -> frozenset[str]:
    """The everyday terms of ``language`` (BCP 47); none for a language without a list."""
    return EVERYDAY_EN if is_english(language) else _NONE

"""Word lists the rules share: the contract's vocabularies plus the shorthand reps type."""

from __future__ import annotations


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


KINDS = ("call", "email", "meeting", "note", "message")
STAGES = ("lead", "qualified", "demo", "proposal", "negotiation", "won", "lost")
LIFECYCLES = ("prospect", "lead", "customer", "loyal", "advocate")
SCOPES = ("today", "overdue", "week", "all")
RECORD_TYPES = ("contact", "company", "deal", "task")
MEASURES = (
    "won",
    "lost",
    "win_rate",
    "funnel",
    "cycle",
    "velocity",
    "forecast",
    "activity",
    "quota",
    "customers",
    "satisfaction",
)
SCALES = ("nps", "csat")

# Replacement text for shorthand; keys are matched case-insensitively as whole tokens.
ABBREVIATIONS: dict[str, str] = {
    "f/u": "follow up",
    "f/up": "follow up",
    "fu": "follow up",
    "fup": "follow up",
    "followup": "follow up",
    "follow-up": "follow up",
    "followups": "follow ups",
    "follow-ups": "follow ups",
    "mtg": "meeting",
    "mtng": "meeting",
    "mtgs": "meetings",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmw": "tomorrow",
    "tmrow": "tomorrow",
    "tmro": "tomorrow",
    "tomo": "tomorrow",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "tomorow": "tomorrow",
    "tommorow": "tomorrow",
    "tommorrow": "tomorrow",
    "tdy": "today",
    "2day": "today",
    "tday": "today",
    "yday": "yesterday",
    "yest": "yesterday",
    "ystd": "yesterday",
    "ytd": "yesterday",
    "w/": "with",
    "w/o": "without",
    "re:": "re",
    "pls": "please",
    "plz": "please",
    "pleas": "please",
    "thx": "thanks",
    "thnx": "thanks",
    "thnks": "thanks",
    "tx": "thanks",
    "ty": "thanks",
    "tysm": "thanks",
    "eod": "EOD",
    "cob": "EOD",
    "eob": "EOD",
    "eow": "EOW",
    "eom": "EOM",
    "eoy": "EOY",
    "eoq": "EOQ",
    "asap": "ASAP",
    "msg": "message",
    "msgd": "messaged",
    "msg'd": "messaged",
    "dm'd": "DMed",
    "dmd": "DMed",
    "dm'ed": "DMed",
    "dmed": "DMed",
    "vm": "voicemail",
    "appt": "appointment",
    "convo": "conversation",
    "mgr": "manager",
    "wk": "week",
    "wks": "weeks",
    "hrs": "hours",
    "hr": "hour",
    "mins": "minutes",
    "nxt": "next",
    "abt": "about",
    "b4": "before",
    "u": "you",
    "ur": "your",
    "cust": "customer",
    "opp": "opportunity",
    "oppty": "opportunity",
    "oppy": "opportunity",
    "opps": "opportunities",
    "qtr": "quarter",
    "acct": "account",
    "sched": "schedule",
    "demo'd": "demoed",
    "todo's": "todos",
    "to-do": "todo",
    "to-dos": "todos",
    "whats": "what's",
    "hows": "how's",
    "whos": "who's",
    "wheres": "where's",
    "ppl": "people",
    "tel": "phone",
    "ph": "phone",
    "mob": "mobile",
    "cell": "mobile",
    "ok'd": "approved",
    # Short words slip past the fuzzy repair (too many neighbours); these are the usual misses.
    "shw": "show",
    "sho": "show",
    "cal": "call",
    "calld": "called",
    "emald": "emailed",
    "emaild": "emailed",
    "emaled": "emailed",
    "textd": "texted",
    "pingd": "pinged",
    "caled": "called",
    "wonn": "won",
    "taks": "tasks",
    "tsks": "tasks",
    "tasls": "tasks",
    "dael": "deal",
    "deall": "deal",
    "mett": "met",
    "mtg'd": "met",
    "tmrrw": "tomorrow",
    "tommorw": "tomorrow",
    "tmorrow": "tomorrow",
    "ovrdue": "overdue",
    "lvm": "left voicemail",
    "jst": "just",
    "amt": "amount",
    "neg": "negotiation",
    "nego": "negotiation",
    "negot": "negotiation",
    "lvmd": "left voicemail",
    "frm": "from",
    "wat": "what",
    "wat's": "what's",
    "wut's": "what's",
    "wut": "what",
    "grt": "great",
    "sed": "said",
    "bc": "because",
    "b/c": "because",
    "fnd": "find",
    "hlp": "help",
    "hav": "have",
    "serch": "search",
    "halp": "help",
    "hlep": "help",
    "hepl": "help",
    "overdeu": "overdue",
    "jus": "just",
    "spke": "spoke",
    "spok": "spoke",
    "spk": "spoke",
    "cld": "called",
    "tlkd": "talked",
    "talkd": "talked",
    "tlked": "talked",
    "txted": "texted",
    "txtd": "texted",
    "emld": "emailed",
    "juts": "just",
    "puul": "pull",
    "lsit": "list",
    "shwo": "show",
    "mrg": "merge",
    "dlt": "delete",
    "winrate": "win rate",
    "hw": "how",
    "mnth": "month",
    "mnths": "months",
    "forcast": "forecast",
    "forecst": "forecast",
    "compnies": "companies",
    "custs": "customers",
}

# Words worth repairing when misspelt: they decide the intent or a vocabulary slot.
FUZZY_TARGETS: frozenset[str] = _words(
    """
    meeting meetings called calling phoned emailed email emails texted pinged messaged message spoke
    spoken talked lunch dinner coffee visited visit demoed demo demos notes note customer customers
    prospect prospects loyal advocate qualified proposal proposals negotiation negotiations negotiating
    signed closed closing contract contracts remind reminder reminders follow tasks overdue today tomorrow
    yesterday pipeline forecast contact contacts create update change opportunity deals amount stage
    schedule monday tuesday wednesday thursday friday saturday sunday january february september october
    november december complete completed finished done assign assigned please phone number title company
    discussed sending voicemail lookup search wants needs asked wanted pricing
    delete remove merge history domain industry website timeline quarter tagged
    """
)

# Ordinary words one typo away from a target ("launch" ~ "lunch", "talks" ~ "tasks"): never "fix" them.
FUZZY_PROTECTED: frozenset[str] = _words(
    """
    close closes local locally allocate allocated quantified forecasts advocated stoke notes calls texts
    launch launches launched talks takes tanks state stale staged stages dealt deads fellow tested texts
    teste caller called calls phones phoned pinned pined pinger notes nodes votes spike spoke smoke
    spokes closer closet closes cloned clones crate crated change changed chance chant prose prone
    propose proposed prospered contacted contract contracted contracting contacts melting metric
    meetup remains remand rewind remote reminds reminded remit signs singed sighed signal single lunches
    lunched dinners winner coffees visits visitor visitors demon demos denim notice noted notable
    today's todays totally tomorrows yesterdays complex compete competes completes finishes finisher
    assist assign assigns assume assure phony titles titled tittle number numbers member company's
    companies compact compare complete comply companion emails emailer emailing dinner diner follow
    follows fellows hollow plead please pleased pleasure search searched research searches lookups
    looked forecasting forcast pipelines pipelined scheduled schedules amounts amounted amour customs
    custom customers customary mondays fridays sundays marched matches monthly months stager meets
    messages message massage messy messaged messaging texted textile textbook update updated updates
    upgrade upgraded adviser advise advised qualify qualifies qualifier closing losing lost last list
    lists listed listen wonder spoken broken token visual visiting loyalty royal loyally cancel counted
    counter courts contest context content contents concept convert converted
    """
)

# Compact first-name list: tells "note on Priya" (a person) from "note on Initech" (a company).
FIRST_NAMES: frozenset[str] = _words(
    """
    abigail adeline aditya adriana agnes aidan aiden akira alana albert alberto alejandro alexander
    alexandra alexis alfred ali alina alison allison alyssa amber amelia ami amit anand anastasia andrei
    andres angel angelica anita anjali ann annie antonio april ariana ariel arthur arun asha ashok
    audrey austin ava avery barbara beatriz becky benjamin bernard betty bianca blake bonnie brandon
    brenda brett brianna bridget brittany brooke bryan caleb cameron camila candice carmen caroline
    carrie casey catherine cathy cecilia chad chandra chantal charlotte chelsea cheryl chiara chris
    christian christine christopher cindy claudia clara colin connor courtney cynthia daisy dana danielle
    danny darius darren dave dawn dean deborah deepak denise dennis devon diane dominic donald donna
    doug douglas dylan eduardo edward elaine elena eli elijah elizabeth ella ellen elliot emilia emmanuel
    enrique erica erin esther ethan eugene evan evelyn fernando florence francesca francis francisco
    gavin gemma gina giovanni giulia glen gloria gordon graham grant gustavo hailey haley hana hank
    hans harold harper harvey hector heidi holly howard hugo imran ines irene iris isaac isabella ivan
    jackie jacqueline jade jared jasmine jay jean jeffrey jenna jeremy jerry jesse jesus jill joan
    joanna jocelyn joel johanna jordan jorge joseph joy joyce judith judy julian julien justin kai
    kamala karen karl kasia katherine kathleen kathy katrina kayla keisha keith kelly ken kenji kenneth
    kerry kris kristen kristina kyle lakshmi lana lara larry lars layla leah lee leila lena leon leslie
    lily lindsay lindsey lionel logan lorenzo lori louis louise luca lucia luke lydia lynn madeline
    maggie malik manish manuel marc marco marcus margaret mariana marie marina mario marisa marissa marjorie
    marlon marvin mason mateo matteo maureen maya megan melanie melissa mercedes mikhail miguel miles
    min mina miranda mitchell mohamed mohammad molly monica morgan nathan nathaniel neil nikhil
    nikita nikolai nora norman olga oscar owen pam pamela paola patricia paula peggy penny perry
    philip phillip pierre pooja prakash preeti priyanka quinn rafael rahul ramon randy raquel raul
    ray raymond reggie renee rhonda ricardo richard rick ricky rita roberto robin rocio roger rohan
    roman ron ronald rosa rose ross roy ruby russell ruth sabrina sadie sally samantha samir samuel
    sanjay santiago sasha saul savannah sebastian sergei sergio seth shane shannon sharon shawn sheila
    shirley sid sienna silvia sofia sonia sophia spencer stacy stan stanley stella stephanie stuart
    sunil suresh sylvia tamara tara taylor teresa terry theo theresa tiffany timothy tobias todd tomas
    tommy tracy travis trevor troy uma valentina valerie vanessa vera veronica vicky vince vincent
    vivian wade walter wanda warren wendy wesley whitney william xavier xin yan yasmin yusuf yvonne
    zach zachary zane zhang
    pete dave fred ed al walt gus meg peg val tess abe gabe kurt trent brent becca maddie ellie millie rosie
    aaron abby adam adrian ahmed aisha alan alex alexa alice alicia amanda amir amy ana andre andrea
    andrew andy angela anna anne anthony arjun ashley ben beth bill bob brad brian bruce carl carla
    carlos carol caroline charles charlie chen chloe chris christina claire craig dan daniel david deb
    debbie derek diana diego dmitri emily emma eric erik eva fatima felix fiona frank gabriel gary
    george grace greg hannah harry hassan heather helen henry hiro ian igor isabel jack jacob jake james
    jamie jan jane janet jason javier jeff jen jenny jennifer jess jessica jim joe john jon jonathan
    jose josh juan julia julie kate katie kevin kim kumar laura lauren leo li liam linda lisa liz lucas
    lucy luis maria mark marta martin mary matt matthew max mei mia michael michelle mike mohammed nadia
    nancy natalie nate neha nick nicole nina noah olga oliver olivia omar pablo pat patrick paul pedro
    peter phil priya rachel raj rajesh ravi rebecca rob robert ryan sam sandra sara sarah scott sean
    shreya simon sofia sophie stephen steve sue susan tanya ted thomas tim tina tom tony tyler victor
    vikram wei will yuki zara zoe
    """
)

# Words that end a name or company run when the message is typed in lower case.
NAME_STOP: frozenset[str] = _words(
    """
    a an the at from of about re regarding on to for and or but with w via by in into over after before
    theyre theyll theyve hes shes its were im ive ill youre weve dont cant wont isnt wasnt didnt worth valued
    during until till yesterday today tomorrow tonight this last next coming morning afternoon evening
    she he they we i it its it's that who which is was are were be been has had have will would should
    could can may might must do did does said says wants want wanted asked asks needs need needed
    discussed discussing talked talking spoke pricing price proposal contract deck demo quote invoice
    re: back again quickly briefly today's earlier later just also too then so if when where while as
    because since please asap eod eow eom her him them his their our my your me us you all some any
    every each new old meeting call email note message lunch dinner coffee follow up following monday
    tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun jan
    feb mar apr jun jul aug sep sept oct nov dec january february march april june july august september
    october november december week month quarter year noon midnight not no yes ok okay kind
    """
)

ROLE_WORDS: frozenset[str] = _words(
    """
    ceo cto cfo coo cmo cio cro cso cpo cdo ciso cco chro vp svp evp avp director head manager lead
    founder co-founder cofounder owner president partner engineer buyer analyst consultant architect
    specialist coordinator officer administrator admin principal associate executive chair chairman
    chairwoman chairperson gm ae sdr bdr rep representative recruiter counsel attorney lawyer controller
    treasurer secretary assistant intern designer developer scientist strategist advisor chief marketer
    accountant procurement purchaser champion sponsor superintendent
    """
)

STAGE_WORDS: dict[str, str] = {
    "lead": "lead",
    "leads": "lead",
    "qualified": "qualified",
    "qualify": "qualified",
    "qualification": "qualified",
    "sql": "qualified",
    "demo": "demo",
    "demoing": "demo",
    "proposal": "proposal",
    "quote": "proposal",
    "quoted": "proposal",
    "negotiation": "negotiation",
    "negotiations": "negotiation",
    "negotiating": "negotiation",
    "negotiate": "negotiation",
    "redlines": "negotiation",
    "won": "won",
    "win": "won",
    "signed": "won",
    "closed-won": "won",
    "booked": "won",
    "inked": "won",
    "lost": "lost",
    "dead": "lost",
    "closed-lost": "lost",
    "died": "lost",
}

LIFECYCLE_WORDS: dict[str, str] = {
    "prospect": "prospect",
    "prospects": "prospect",
    "lead": "lead",
    "leads": "lead",
    "customer": "customer",
    "customers": "customer",
    "client": "customer",
    "clients": "customer",
    "loyal": "loyal",
    "advocate": "advocate",
    "advocates": "advocate",
    "champion": "advocate",
    "evangelist": "advocate",
}

# Last words of company names ("acme corp", "stark industries"): they belong to the name before them.
COMPANY_WORDS: frozenset[str] = _words(
    """
    inc corp corporation co ltd llc plc gmbh ag sa group labs industries enterprises systems technologies tech
    solutions partners holdings software bank capital media health ventures global international consulting
    logistics foods motors dynamics dynamic worldwide science sciences biotech pharma pharmaceuticals energy
    solar telecom freight retail insurance robotics analytics holdings studios networks airlines aerospace
    therapeutics diagnostics manufacturing mfg realty properties construction seafood seafoods farms foundation
    bio ai holding pjsc psc jsc srl spa bv nv pty pvt sas sarl limited tbk bhd oyj asa kft zrt services
    trading traders textiles textile tekstil apparel garments paints coatings cement concrete steel metals
    mining minerals chemicals plastics packaging paper printing marine shipping maritime ports airways
    dental clinic clinics hospital hospitals pharmacy labs laboratories spices agro agri agritech farming
    dairy beverages brewery breweries distillery winery bakery bakeries restaurants hotels resorts travel
    tours motors automotive electric electrics electronics electrical semiconductors precision machinery
    engineering works mills foundry processors processing exports imports export import supplies supply
    distribution distributors wholesale furniture interiors cosmetics fashion jewellers jewelers energi
    energia power utilities water gas oil petroleum renewables wind hydro telecoms communications
    wireless broadband cables insurance assurance finance financial securities investments fund funds
    asset assets leasing realty estates housing builders developers infrastructure transport transit
    freight cargo couriers express aviation defense defence security robotics automation instruments
    devices medical healthcare biosciences genomics vision optics cork pharmaceutical
    """
)

# Given names from the countries reps sell into (South and East Asia, Africa, Latin America, the Middle East,
# Central and Northern Europe). The compact list above is mostly English; without these "nps 10 from Tanaka
# Hiroshi" or "Oluwaseun scored us a 6" read as companies.
WORLD_GIVEN_NAMES: frozenset[str] = _words(
    """
    aarav aarti abdul abdullah abhishek adebayo adaeze adewale adeola afonso agnieszka ahmad aiko aisling
    akash akemi akihiro akosua alejandra aleksander aleksandra alessandro alessia alhassan amani amara
    amina aminata ananya anders andrzej aneta anh ankit anupam aoife arash arnav astrid asuka atsushi ayesha
    ayumi aziz babajide bao bartosz beatrix bilal birgit bjorn björn bolaji bongani boris bruna bruno
    camille carolina catalina cem chidi chidinma chiamaka chikwanha chinedu chioma chinwe chiyo cian ciaran
    ciarán conor daichi dalia damla daniela daoud darragh deniz  devika dhruv dimitri dinh divya dorota
    duc duy efua ekaterina elif emeka emre eoin erlend esra fabian fabio farah farid fatma federica felipe
    femi folake francesco fredrik funmilayo gabriela gaurav gintaras gonzalo gulnara guo gustav hakan
    halima hamid hamza haruka haruto hatice helga hemant henrik hiroshi hiroki hitomi hoang hui  huong
    hye hyun ibrahim ifeoma ignacio ikechukwu ilse ingrid irina isabela ishaan jakub jana javed jia jiahui
    jie jimena jin jisoo jiwoo ji-woo joao joão jorunn józef juliana jun junichi jurgen jürgen kaito kamal
    kamil karan karin karolina kasper katarzyna kavya kazuki kemal kenta kerem khadija khalid kiran kofi
    kojo kwame kwabena kyung laila   lars-erik leandro lei leticia lian lina linh liu lucía luiz
    lukas łukasz mads magdalena mahmoud maiko maja malgorzata małgorzata mamadou manon marek mariam
    marcelo mateus mathilde matías mattias mehmet mei-ling meng mette miho mika mikael minh min-jun min-ji
    miyu mohan monika mustafa naledi naoko naomi natalia navid nazanin ngozi  nikhita niamh nils
    nkechi nnamdi noor nour nurul obinna  olamide olumide oluwaseun oluwatobi omari onur oskar osamu
    pawel paweł phuong pieter piotr pradeep pranav qiang rafał rania rashid reza riya rodrigo rui ryo
    ryota sabine sachiko saanvi sadia saeed  salma santosh satoshi seo-yeon seung shigeru shiori
    shota sibusiso sigrid siobhan siddharth  sinead sinéad siyabonga soo-ah  stefan stefanie sven
    szymon takashi takumi tanvi tariq tatiana thabo thanh   tiago tobiloba tomasz tunde tuan umar
    usman valeria varun vikas vinh wanjiru wojciech xiaoming xu yara yasmine yerlan  ying yohannes yong
    yuka yuna yusuke yuto zainab zanele zeynep zhiwei zofia zuzana
    annika anneliese anke bärbel dieter dirk florian frauke gerd gudrun hannelore heike helmut horst jörg
    joerg jens kai-uwe klaus knut kerstin lena lennart maren matthias mareike niklas ole rainer reinhard
    sönke silke svenja torsten ulf ulrike uwe volker wiebke wolfgang åsa åke agneta björk eskil freja
    gunnar hedda ingvar jonas kjell linnea liv märta ove pernille ragnar signe solveig tove ulla vilhelm
    aart bram daan eelco femke joost jeroen maarten niels ruud sanne sjoerd willem wouter anouk lotte
    amélie aurélie benoît clémence élodie étienne gaëlle hélène jérôme léa loïc mathieu océane thibault
    yannick zoé chiara giulia lorenzo matteo niccolò simona valentina vittorio beatriz inês joaquim
    gonçalo leonor rafaela sebastião thiago álvaro íñigo lucía maría nuria pilar xavier ximena ayşe
    büşra çağla gökhan gülşen hülya ilker mert oğuz özge selin serkan tuğba yiğit burak cansu ece
    abdelaziz youssef yousef omar hassan hussein layla leila nadia rami samir tarek walid yasmin zaid
    dariush farhad kaveh mehdi parisa shirin arjun deepika kavita lakshmi meera nikhil pooja priyanka
    rahul rajesh rohan sanjay shreya sunita vijay vikram anjali aditi aishwarya harish kiran suresh
    chen-wei jia-hui li-na mei-hua wen xiao-ling yi-fan zhi-hao hina kenji  misaki nanami
     takeshi yui yumi da-eun eun-ji ha-eun ji-hoon ji-yeon min-seo seo-jun soo-jin yeon-woo hoa
     ngoc quang thao trang tuyet anong kanya somchai supaporn wirat budi dewi putri sari wayan
    agus andi maricel rosario jocelyn abena adjoa  ayo chukwuemeka folasade kehinde kunle lerato
    lindiwe nomvula olusegun sipho temitope themba  zodwa bogdan dragan dušan goran ivana jelena
    katarína lucie marta  miroslav ondřej petra radek tereza václav vojtěch agata bożena grzegorz
    iwona jacek janusz krzysztof mariusz ryszard wiesław witold zbigniew andrei anastasia dmitri
    dmitry irina mikhail nikolai oksana olga sergei svetlana yulia yuri
    """
)

# Family names common in those countries, for names written family-name first ("Tanaka Hiroshi") or with a
# given name no list holds ("Mehmet Yılmaz"). Family names that are also companies' names (Toyota, Tata,
# Honda, Ford, Dell, Siemens) are left out: they are more often the company.
SURNAMES: frozenset[str] = _words(
    """
    abe adeyemi agarwal ahmed akhtar alvarez álvarez andersen andersson antonelli aydin babatunde bakare
    banerjee bauer becker bergström bhatt bianchi cao chakraborty chaudhary chatterjee chen cho choi chowdhury
    costa  dang das  demir desai deshmukh díaz diaz  dubois duong eze fernandes fernández fernandez
    ferreira fischer fujita fujiwara gomes gómez gonzalez gonzález goto gupta haddad hakimi hansen hashimoto
    hayashi hernández hernandez  hoffmann hosseini huang ikeda inoue ishikawa ito iyer jang jansen jensen
    johansson jung kang karimi kato kaya kelly khan khoury kimura kobayashi koch kowalczyk kowalski kozlov
    kumar kuznetsov lewandowski lim lin lindqvist liu lopes lópez lopez  maeda mahlangu martínez martinez
    matsumoto mehta meier mensah meyer mishra mohammed moreau mori morita moyo müller muller murphy murray
    nakamura nakano nair ndlovu nguyen nielsen nowak nwachukwu nwosu o'brien o'connor o'neill o'sullivan
    ogawa okafor okeke okonkwo okoro oliveira olsen ong osei owusu ozturk öztürk park patel pereira petrov
    pham popov qureshi rahman rao reddy reyes richter rodrigues rodríguez rodriguez romano rossi ruiz saito
    sakamoto sánchez sanchez santos sasaki sato schmidt schneider schulz sharma shah shimizu silva singh
    smirnov sokolov solberg  souza suarez   şahin sahin takahashi tanaka tran trần varga
    verma vo volkov vu wagner walsh wang watanabe weber wiśniewski wójcik wong wu xu yadav yamada yamamoto
    yamaguchi yang yılmaz yilmaz yoshida yu zhang zhao zhou zhu
    """
)

# one list of given names for every rule that asks "is this a person's first name?"
FIRST_NAMES = FIRST_NAMES | WORLD_GIVEN_NAMES

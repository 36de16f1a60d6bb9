"""Rule-based named-entity extraction and alias merging for English news text.

Three pure functions (see ``docs/entities.md`` for the full rules):

* :func:`find_mentions` finds PERSON, ORG, PLACE and EVENT mentions in one text, with
  character spans, the role written next to a person ("Deputy Secretary General") and, for
  acronyms defined in the text ("Eurasian Security Partnership Organization (ESPO)"), the
  expansion as ``canonical``.
* :func:`merge_entities` merges aliases across all documents (acronym and expansion,
  initials, transliteration variants, British/American spelling, hyphenation, case) and
  returns canonical :class:`~corpus_cli.models.Entity` records.
* :func:`extract` runs both, with the built-in rules or with spaCy.

How it works: one linear regular expression finds capitalised tokens (Latin, Greek and
Cyrillic), which are grouped into *chunks* of adjacent tokens (joined by spaces or by the
connectors "of", "on", "for", "and", "de", "van"...). Each chunk is cut into acronyms, role
runs ("Deputy Secretary General") and word groups; a group is an ORG when it holds an
organisation head-word (Committee, Council, Organization...), an EVENT when it holds an
event head-word or a year suffix ("Steppe Shield-2025"), a PLACE when it is in the gazetteer or
follows a place cue ("in X", "Republic of X"), and a PERSON when it is 1-4 name-like
tokens with evidence (a role next to it, an initial, a given name, a surname ending such as
-ov/-enko/-shvili, a patronymic, a speech verb after it). Every regular expression is
linear: no nested unbounded quantifiers, bounded repeats, bounded look-behind windows.

Only the standard library is imported at module import; ``rapidfuzz`` and ``spacy`` are
imported inside the functions that need them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from corpus_cli.errors import CorpusError
from corpus_cli.models import Entity, EntityMention

__all__ = ["ENTITY_TYPES", "SPACY_INSTALL_HINT", "extract", "find_mentions", "merge_entities"]

ENTITY_TYPES = ("PERSON", "ORG", "PLACE", "EVENT")
SPACY_INSTALL_HINT = "pip install spacy && python -m spacy download en_core_web_sm"

PERSON, ORG, PLACE, EVENT = ENTITY_TYPES


# --------------------------------------------------------------------------- characters


def _char_class(pred) -> str:
    """A regex character-class body with every Latin/Greek/Cyrillic char satisfying pred."""
    blocks = ((0x41, 0x24F), (0x370, 0x3FF), (0x400, 0x52F), (0x1E00, 0x1EFF))
    parts: list[str] = []
    for lo, hi in blocks:
        run = None
        for cp in range(lo, hi + 2):
            ok = cp <= hi and pred(chr(cp))
            if ok and run is None:
                run = cp
            elif not ok and run is not None:
                last = cp - 1
                parts.append(f"\\u{run:04x}" if run == last else f"\\u{run:04x}-\\u{last:04x}")
                run = None
    return "".join(parts)


_UP = _char_class(str.isupper)

# A capitalised token: initials ("S.", "A.N.") or a word starting with an upper-case letter,
# possibly hyphenated ("Colonel-General", "Shield-2025") or with an apostrophe ("People's").
# Not preceded by a letter (so "jpegThe" is skipped, but "2018On" is read).
_TOKEN_RE = re.compile(
    rf"(?<![^\W\d_])(?:([{_UP}]\.(?:[{_UP}]\.){{0,3}})"
    rf"|[{_UP}][\w'’]{{0,60}}(?:-[\w'’]{{1,40}}){{0,8}})"
)
_YEAR_EVENT_RE = re.compile(r"[^\W\d_][\w'’]{0,60}(?:-[^\W\d_][\w'’]{0,40}){0,6}-(?:19|20)\d\d")
_ROMAN_RE = re.compile(r"[IVX]{1,8}")
_ACRONYM_RE = re.compile(rf"[{_UP}][{_UP}\d&]{{1,9}}")
_INITIALS_RE = re.compile(rf"(?:[{_UP}]\.){{1,4}}")
_CYRILLIC_RE = re.compile(r"[\u0400-\u052f]")

# --------------------------------------------------------------------------- lexicons


def _words(s: str) -> frozenset[str]:
    return frozenset(w.strip() for w in s.split(",") if w.strip())


# Capitalised function words and other words that are never (part of) an entity.
_STOP = _words(
    """the,a,an,this,that,these,those,it,its,he,she,they,we,i,you,his,her,their,our,my,your,
    there,here,during,on,in,at,as,by,for,from,of,to,with,within,without,after,before,since,
    until,till,under,over,between,among,amongst,against,about,above,below,across,along,amid,
    around,behind,beyond,despite,following,inside,into,near,onto,outside,per,regarding,
    through,throughout,toward,towards,upon,via,thanks,according,and,but,or,nor,so,yet,if,when,
    whenever,while,where,whereas,although,though,because,however,moreover,furthermore,
    meanwhile,nevertheless,nonetheless,therefore,thus,hence,also,additionally,besides,then,
    now,today,yesterday,tomorrow,tonight,all,some,many,most,much,each,every,both,either,
    neither,any,no,not,none,other,another,such,what,which,who,whom,whose,why,how,let,please,
    yes,is,are,was,were,be,been,being,has,have,had,do,does,did,will,would,can,could,should,
    might,must,shall,one,two,three,four,five,six,seven,eight,nine,ten,again,already,still,
    just,only,even,very,well,here's,there's,it's,that's,we're,they're,i'm,let's,once,later,
    earlier,finally,first-ever,overall,currently,recently,previously,subsequently,instead,
    otherwise,likewise,similarly,accordingly,consequently,indeed,perhaps,certainly,
    clearly,notably,importantly,unfortunately,fortunately,ahead,back,go,read,see,click,share,
    print,home,news,more,next,previous,photo,video,source,tags,tag,met,meets,held,holds,
    says,said,took,takes,make,makes,made,signed,signs,visit,visits,visited,calls,called,
    discussed,discuss,urges,urged,warns,warned,opens,opened,hosts,hosted,joins,joined,
    top,key,how,why,what,amid,over,to,new-look,
    january,february,march,april,may,june,july,august,september,october,november,december,
    jan,feb,mar,apr,jun,jul,aug,sep,sept,oct,nov,dec,monday,tuesday,wednesday,thursday,
    friday,saturday,sunday,
    в,во,на,по,с,со,о,об,от,к,у,за,из,для,при,как,это,эта,этот,эти,и,а,но,что,не,его,её,
    их,мы,он,она,они,также,однако,после,до,между,согласно,так,вот,все,всё,уже,еще,ещё,
    январь,февраль,март,апрель,май,июнь,июль,август,сентябрь,октябрь,ноябрь,декабрь"""
)
_MONTHS = _words(
    """january,february,march,april,may,june,july,august,september,october,november,december,
    jan,feb,mar,apr,jun,jul,aug,sep,sept,oct,nov,dec"""
)
# Words a possessive "'s" does not end a name at.
_POSS_KEEP = _words("people's,women's,children's,workers',veterans',farmers',st.")
# Abbreviations followed by a period that do not end the chunk ("Mr. Smith").
_ABBREV = _words("mr,mrs,ms,dr,prof,gen,col,lt,maj,capt,sen,rep,gov,st,sgt,adm,cmdr,amb,pres")
# Lower-case words allowed between capitalised tokens of one chunk.
_CONNECTORS = _words(
    """of,on,for,and,of the,on the,for the,de,du,da,del,della,di,van,von,der,den,van der,
    van den,bin,ibn,al,el,la,le,y,dos,das,и,о,по"""
)
_PARTICLES = _words(
    "de,du,da,del,della,di,van,von,der,den,van der,van den,bin,ibn,al,el,la,le,y,dos,das"
)
_CYR_CONNECTORS = _words("и,о,по")

_ROLE_HEADS = _words(
    """secretary,secretary-general,minister,chairman,chairwoman,chairperson,chair,president,
    vice-president,director,director-general,head,chief,representative,ambassador,envoy,
    commander,commander-in-chief,general,colonel,colonel-general,lieutenant,
    lieutenant-general,lieutenant-colonel,major,major-general,admiral,vice-admiral,
    rear-admiral,captain,marshal,brigadier,governor,mayor,senator,congressman,congresswoman,
    spokesman,spokeswoman,spokesperson,premier,chancellor,king,queen,prince,princess,emperor,
    pope,patriarch,sheikh,emir,sultan,officer,coordinator,adviser,advisor,counsellor,
    counselor,consul,rapporteur,judge,prosecutor,mr,mrs,ms,dr,prof,professor,sir,dame,lord,
    lady,gen,col,lt,maj,capt,ombudsman,deputy,aide,undersecretary,under-secretary,
    commissioner,inspector,superintendent,attorney,speaker,vice-chairman,vice-premier,
    co-chairman,co-chair,sgt,sergeant,adm,amb,pres,executive"""
)
_ROLE_MODS = _words(
    """deputy,first,vice,acting,executive,special,permanent,chief,senior,general,assistant,
    foreign,defence,defense,prime,interior,finance,high,supreme,former,state,associate,
    national,security,principal,junior,honorary,plenipotentiary,extraordinary,personal,
    presidential,military,affairs,justice,economy,trade,health,education,energy,emergency,
    emergencies,internal,external,first-deputy,co"""
)
_ROLE_WORDS = _ROLE_HEADS | _ROLE_MODS
# Honorifics count as evidence for a person but are not kept as the role.
_HONORIFICS = _words("mr,mrs,ms,sir,dame,lord,lady,dr")

_ORG_HEADS = _words(
    """organization,organizations,organisation,organisations,committee,committees,council,
    councils,center,centers,centre,centres,structure,structures,commission,commissions,
    ministry,ministries,group,groups,staff,forces,force,secretariat,assembly,assemblies,
    union,unions,agency,agencies,service,services,department,departments,office,offices,
    bureau,bureaux,directorate,administration,authority,authorities,board,bank,fund,court,
    tribunal,parliament,government,movement,nations,commonwealth,alliance,coalition,party,
    front,army,navy,troops,guard,guards,police,academy,institute,institution,university,
    college,corporation,company,association,society,foundation,network,mission,headquarters,
    command,club,league,partnership,cabinet,senate,duma,chamber,inspectorate,brigade,
    division,battalion,regiment,corps,fleet,observatory,ministerial,organ,bodies,body,
    community,federation,treaty-organization,inc,ltd,llc,plc,gmbh,ag,
    организация,комитет,совет,центр,министерство,служба,комиссия,секретариат,содружество,
    штаб,агентство,ассамблея,союз"""
)
_EVENT_HEADS = _words(
    """summit,summits,forum,conference,games,olympics,olympiad,championship,championships,
    exercise,exercises,drills,festival,expo,exhibition,war,symposium,dialogue,congress,
    convention,session,talks,marathon,cup,biennale,fair,week,day,days,readings,саммит,форум,
    конференция,учения"""
)
_DEMONYMS = _words(
    """american,british,english,french,german,italian,spanish,russian,chinese,japanese,korean,
    indian,pakistani,afghan,iranian,iraqi,syrian,turkish,armenian,azerbaijani,georgian,kazakh,
    kazakhstani,kyrgyz,tajik,uzbek,turkmen,belarusian,belarussian,ukrainian,polish,european,
    asian,african,eurasian,arab,arabic,israeli,palestinian,egyptian,mongolian,serbian,chechen,
    soviet,post-soviet,western,eastern,northern,southern,central,international,national,
    regional,federal,islamic,muslim,christian,orthodox,catholic,canadian,australian,brazilian,
    mexican,vietnamese,thai,swiss,dutch,swedish,norwegian,finnish,danish,greek,hungarian,czech,
    slovak,romanian,bulgarian,moldovan,latvian,lithuanian,estonian,persian,kurdish,latin,
    global,joint,collective,united,allied,interstate,intergovernmental,multilateral,bilateral,
    trilateral"""
)
# Geographic and facility head-words: "Lake X", "X Valley", "X Region", "Red Square".
_PLACE_HEADS = _words(
    """lake,lakes,mount,mountains,mts,river,sea,gulf,bay,island,islands,valley,desert,
    peninsula,strait,straits,ocean,canal,province,region,oblast,krai,district,county,
    territory,palace,square,airport,port,stadium,bridge,street,avenue,highway,pass,plateau,
    basin,delta,coast,glacier,reservoir,cape,кремль,область,край,район,озеро,река"""
)
# Capitalised nouns that follow "in" without being places.
_NOT_PLACE = _words(
    """article,paragraph,section,chapter,annex,part,table,figure,item,point,english,russian,
    french,spanish,chinese,arabic,internet,parliament,addition,accordance,particular,general,
    order,fact,turn,total,brief,short,conclusion,response,view,light,line,time,practice,
    principle,support,charge,favour,favor,advance,progress,person,detail,future,past,summer,
    winter,spring,autumn,fall,memory,honor,honour,case,contrast,return,force,place,
    connection,preparation,cooperation,coordination,agreement,accordance,relation,terms"""
)

_GIVEN_NAMES = _words(
    """aleksandr,aleksander,alexander,alexandr,alexandra,aleksandra,alexei,alexey,aleksei,
    aleksey,andrei,andrey,andriy,anatoly,anatoliy,anna,anton,arkady,artem,artyom,boris,bogdan,
    daniil,denis,dmitry,dmitri,dmitriy,egor,yegor,elena,yelena,evgeny,evgeniy,yevgeny,eugene,
    fyodor,fedor,gennady,georgy,grigory,igor,ilya,inna,irina,ivan,kirill,konstantin,ksenia,
    lev,leonid,lyudmila,ludmila,marina,maria,mariya,maxim,maksim,mikhail,nadezhda,natalia,
    natalya,nikita,nikolai,nikolay,oleg,olga,pavel,pyotr,petr,roman,ruslan,sergei,sergey,
    sergiy,stanislav,svetlana,tatiana,tatyana,timur,vadim,valentin,valentina,valery,valeriy,
    vasily,vasiliy,veronika,viktor,viktoria,vitaly,vitaliy,vladimir,vladislav,vyacheslav,
    yaroslav,yuri,yury,yuriy,yulia,zhanna,miroslav,bronislav,rostislav,svyatoslav,
    abdulla,abdullah,akhmed,ahmed,ahmad,ali,alisher,almaz,askar,aslan,azamat,bakhyt,bakyt,
    bakhtiyor,bolat,bulat,daniyar,dauren,erlan,yerlan,ermek,farid,farkhod,gulnara,ibrahim,
    ismail,kairat,kanat,karim,khalid,mahmoud,marat,mohammed,mohammad,muhammad,murat,nurlan,
    nursultan,omar,rashid,rustam,said,saida,sanjar,shavkat,talgat,temir,ulan,yusuf,zafar,
    emomali,ilham,kassym-jomart,sadyr,serdar,shahid,hassan,hussein,hamid,
    john,james,robert,michael,william,david,richard,joseph,thomas,charles,christopher,daniel,
    matthew,anthony,antony,mark,donald,steven,stephen,paul,andrew,joshua,kenneth,kevin,brian,
    george,edward,ronald,timothy,jason,jeffrey,ryan,jacob,gary,nicholas,eric,jonathan,larry,
    justin,scott,brandon,benjamin,samuel,frank,gregory,raymond,alexander,patrick,jack,dennis,
    jerry,tyler,aaron,jose,henry,adam,douglas,nathan,peter,zachary,kyle,walter,harold,jeremy,
    ethan,carl,keith,roger,gerald,christian,terry,sean,arthur,austin,noah,lawrence,jesse,joe,
    bryan,billy,jordan,albert,dylan,bruce,willie,gabriel,alan,juan,logan,wayne,ralph,roy,
    eugene,randy,vincent,russell,louis,philip,bobby,johnny,bradley,mary,patricia,jennifer,
    linda,elizabeth,barbara,susan,jessica,sarah,karen,nancy,lisa,betty,margaret,sandra,
    ashley,kimberly,emily,donna,michelle,dorothy,carol,amanda,melissa,deborah,stephanie,
    rebecca,sharon,laura,cynthia,kathleen,amy,shirley,angela,helen,anna,brenda,pamela,nicole,
    emma,samantha,katherine,christine,debra,rachel,catherine,carolyn,janet,ruth,heather,
    diane,virginia,julie,joyce,victoria,olivia,kelly,christina,lauren,joan,evelyn,judith,
    megan,cheryl,andrea,hannah,martha,jacqueline,frances,gloria,ann,teresa,kathryn,sara,
    janice,jean,alice,madison,doris,abigail,julia,judy,grace,denise,amber,marilyn,beverly,
    danielle,theresa,sophia,marie,diana,brittany,natalie,isabella,charlotte,rose,alexis,
    kayla,antonio,carlos,luis,miguel,francisco,manuel,pedro,jorge,javier,fernando,ricardo,
    pierre,jean-pierre,jacques,francois,françois,emmanuel,hans,klaus,wolfgang,jurgen,
    olaf,angela,ursula,friedrich,giuseppe,giovanni,marco,matteo,luca,xi,li,wang,zhang,
    hiroshi,takeshi,kim,lee,park,narendra,rahul,amit,recep,tayyip,mevlut,hakan,
    иван,сергей,александр,алексей,андрей,дмитрий,владимир,михаил,николай,юрий,виктор,
    олег,игорь,павел,анна,ольга,елена,мария,наталья,татьяна,ирина,светлана,станислав,
    руслан,рашид,марат,нурлан,ерлан,тимур"""
)

_SURNAME_RE = re.compile(
    r"(?:ov|ova|ev|eva|yev|yeva|iev|ieva|sky|skiy|skii|skaya|ski|ska|enko|chuk|yuk|yan|dze|"
    r"shvili|vich|vna|escu|oglu|ović|ić|zade|zadeh|uly|kyzy|bekov|"
    r"ов|ова|ев|ева|ёв|ёва|ин|ина|ский|ская|енко|чук|ян|дзе|швили|вич|вна)$"
)
_PATRONYMIC_RE = re.compile(r"(?:ovich|evich|ovna|evna|ichna|ич|ович|евич|овна|евна|ична)$")
_SPEECH_AFTER_RE = re.compile(
    r",?\s{1,2}(?:has\s|had\s|also\s)?(?:said|says|noted|notes|stated|stressed|added|told|"
    r"emphasized|emphasised|underlined|announced|explained|pointed|believes|recalled|warned|"
    r"declared|remarked|commented|replied|wrote|met|visited|spoke|urged|called|thanked)\b"
)
_APPOSITIVE_GAP_RE = re.compile(r",\s{1,2}(?:the\s{1,2}|a\s{1,2}|an\s{1,2})?")
_LOWER_ROLE_AFTER_RE = re.compile(
    r",\s{1,2}(?:the\s{1,2}|a\s{1,2})?((?:(?:deputy|first|acting|executive|special|vice|chief|"
    r"senior|foreign|defen[cs]e|prime|permanent|former)\s{1,2}){0,3}(?:head|chairman|"
    r"chairwoman|director|minister|secretary|president|representative|ambassador|commander|"
    r"spokesman|spokeswoman|spokesperson|envoy|chief|coordinator|adviser|advisor|governor|"
    r"mayor|officer))\b"
)
_PLACE_CUE_RE = re.compile(
    r"(?:\b(?:[Ii]n|[Nn]ear|city of|town of|village of|province of|region of|capital of)|"
    r"(?<![^\W\d_])(?:в|во|В|Во))\s{1,2}$"
)

_ORDINAL = (
    r"(?:\d{1,3}(?:st|nd|rd|th)|[IVX]{1,7}|first|second|third|fourth|fifth|sixth|seventh|"
    r"eighth|ninth|tenth|eleventh|twelfth|annual|regular|extraordinary|jubilee)"
)
_EVENT_NOUNS = "(?:session|meeting|summit|congress|conference|forum)"
_ORD_OF_RE = re.compile(
    rf"\b{_ORDINAL}\s(?:plenary\s|regular\s|extraordinary\s|anniversary\s)?"
    rf"{_EVENT_NOUNS}\s(?:of\sthe|of)\s"
)
_ORD_BEFORE_RE = re.compile(rf"\b{_ORDINAL}\s(?=[{_UP}])")
_EVENT_NOUN_AFTER_RE = re.compile(rf"\s{_EVENT_NOUNS}s?\b")
_SUMMIT_RE = re.compile(r"\b[Ss]ummits?\b")
# Cheap tests run first: without them the patterns above (which start with \b, so that the
# regex engine tries them at every position) cost as much as the rest of events().
_EVENT_NOUN_RE = re.compile(_EVENT_NOUNS)
_NOUN_OF_RE = re.compile(rf"{_EVENT_NOUNS}\sof\s")
_WORD_BEFORE_RE = re.compile(rf"(?<![^\W\d_])([{_UP}][^\W\d_]{{1,39}}) $")

# Acronym definitions "Expansion (ACR)" / "Expansion (ACR, Alias)" / "ACR (Expansion)".
_PAREN_ACR_RE = re.compile(
    rf"\(\s?([{_UP}][{_UP}\d&]{{1,9}})(?:\s?[,;]\s?(?:the\s)?"
    rf"([{_UP}][\w'’-]{{0,40}}(?:\s[{_UP}][\w'’-]{{0,40}}){{0,3}}))?\s?\)"
)
_ACR_PAREN_RE = re.compile(
    rf"(?<![^\W\d_])([{_UP}][{_UP}\d&]{{1,9}})\s\((?:the\s)?([^()\n]{{3,150}})\)"
)
_DEF_WORD_RE = re.compile(r"[^\W\d_][\w'’]{0,60}(?:-[\w'’]{1,40}){0,8}")
_DEF_STOP_RE = re.compile(r"[.,;:!?()\[\]\n\"“”«»]")
_ACR_SKIPPABLE = _words(
    "of,on,for,and,the,in,at,to,de,la,le,des,du,of the,и,о,по,в,на,для,с,при,по,an,a,against"
)


def _gaz_entries() -> dict[str, str]:
    countries = """Afghanistan,Albania,Algeria,Andorra,Angola,Antigua and Barbuda,Argentina,
    Armenia,Australia,Austria,Azerbaijan,Bahamas,Bahrain,Bangladesh,Barbados,Belarus,Belgium,
    Belize,Benin,Bhutan,Bolivia,Bosnia and Herzegovina,Botswana,Brazil,Brunei,Bulgaria,
    Burkina Faso,Burundi,Cabo Verde,Cambodia,Cameroon,Canada,Central African Republic,Chad,
    Chile,China,Colombia,Comoros,Congo,Costa Rica,Croatia,Cuba,Cyprus,Czechia,Denmark,
    Djibouti,Dominica,Dominican Republic,Ecuador,Egypt,El Salvador,Equatorial Guinea,Eritrea,
    Estonia,Eswatini,Ethiopia,Fiji,Finland,France,Gabon,Gambia,Georgia,Germany,Ghana,Greece,
    Grenada,Guatemala,Guinea,Guinea-Bissau,Guyana,Haiti,Honduras,Hungary,Iceland,India,
    Indonesia,Iran,Iraq,Ireland,Israel,Italy,Jamaica,Japan,Jordan,Kazakhstan,Kenya,Kiribati,
    Kosovo,Kuwait,Kyrgyzstan,Laos,Latvia,Lebanon,Lesotho,Liberia,Libya,Liechtenstein,
    Lithuania,Luxembourg,Madagascar,Malawi,Malaysia,Maldives,Mali,Malta,Marshall Islands,
    Mauritania,Mauritius,Mexico,Micronesia,Moldova,Monaco,Mongolia,Montenegro,Morocco,
    Mozambique,Myanmar,Namibia,Nauru,Nepal,Netherlands,New Zealand,Nicaragua,Niger,Nigeria,
    North Korea,North Macedonia,Norway,Oman,Pakistan,Palau,Palestine,Panama,
    Papua New Guinea,Paraguay,Peru,Philippines,Poland,Portugal,Qatar,Romania,Russia,Rwanda,
    Saint Lucia,Samoa,San Marino,Saudi Arabia,Senegal,Serbia,Seychelles,Sierra Leone,
    Singapore,Slovakia,Slovenia,Solomon Islands,Somalia,South Africa,South Korea,South Sudan,
    Spain,Sri Lanka,Sudan,Suriname,Sweden,Switzerland,Syria,Taiwan,Tajikistan,Tanzania,
    Thailand,Timor-Leste,Togo,Tonga,Trinidad and Tobago,Tunisia,Turkey,Turkmenistan,Tuvalu,
    Uganda,Ukraine,United Arab Emirates,United Kingdom,United States,Uruguay,Uzbekistan,
    Vanuatu,Vatican,Venezuela,Vietnam,Yemen,Zambia,Zimbabwe,Abkhazia,Greenland,Hong Kong,
    Macau,Puerto Rico,England,Scotland,Wales,Northern Ireland,Crimea,Donbas,Kashmir,Tibet,
    Xinjiang,Chechnya,Dagestan,Gaza,West Bank"""
    capitals = """Kabul,Tirana,Algiers,Luanda,Buenos Aires,Yerevan,Canberra,Vienna,Baku,Nassau,
    Manama,Dhaka,Minsk,Brussels,Belmopan,Porto-Novo,Thimphu,La Paz,Sarajevo,Gaborone,
    Brasilia,Brasília,Ouagadougou,Gitega,Phnom Penh,Yaounde,Ottawa,Bangui,N'Djamena,Beijing,
    Bogota,Bogotá,Kinshasa,Brazzaville,San Jose,Zagreb,Havana,Nicosia,Prague,Copenhagen,
    Quito,Cairo,San Salvador,Malabo,Asmara,Tallinn,Addis Ababa,Suva,Helsinki,Paris,
    Libreville,Banjul,Tbilisi,Berlin,Accra,Athens,Guatemala City,Conakry,Bissau,
    Port-au-Prince,Tegucigalpa,Budapest,Reykjavik,New Delhi,Jakarta,Tehran,Baghdad,Dublin,
    Jerusalem,Tel Aviv,Rome,Tokyo,Amman,Astana,Nairobi,Pristina,Kuwait City,Bishkek,
    Vientiane,Riga,Beirut,Maseru,Monrovia,Tripoli,Vaduz,Vilnius,Antananarivo,Lilongwe,
    Kuala Lumpur,Bamako,Valletta,Nouakchott,Port Louis,Mexico City,Chisinau,Chișinău,
    Ulaanbaatar,Ulan Bator,Podgorica,Rabat,Maputo,Naypyidaw,Windhoek,Kathmandu,Amsterdam,
    Wellington,Managua,Niamey,Abuja,Pyongyang,Skopje,Oslo,Muscat,Islamabad,Panama City,
    Port Moresby,Asuncion,Asunción,Lima,Manila,Warsaw,Lisbon,Doha,Bucharest,Moscow,Kigali,
    Riyadh,Dakar,Belgrade,Freetown,Bratislava,Ljubljana,Mogadishu,Pretoria,Seoul,Juba,Madrid,
    Colombo,Khartoum,Paramaribo,Stockholm,Bern,Damascus,Taipei,Dushanbe,Dodoma,Bangkok,Dili,
    Lome,Lomé,Tunis,Ankara,Ashgabat,Kampala,Kyiv,Abu Dhabi,London,Montevideo,Tashkent,
    Caracas,Hanoi,Sanaa,Lusaka,Harare,Washington,Geneva,New York,Vienna,Strasbourg"""
    regions = """Europe,Asia,Africa,North America,South America,Latin America,Central America,
    Central Asia,Middle East,Near East,Far East,South Asia,Southeast Asia,East Asia,
    Eastern Europe,Western Europe,Central Europe,Caucasus,South Caucasus,North Caucasus,
    Transcaucasia,Balkans,Eurasia,Arctic,Antarctica,Baltic,Scandinavia,Siberia,Persian Gulf,
    Black Sea,Caspian Sea,Mediterranean,Sahel,Oceania,Indo-Pacific,Asia-Pacific,
    Korean Peninsula,Horn of Africa,Sub-Saharan Africa,West Africa,East Africa,North Africa,
    Southern Africa,Central Africa,West Asia,Western Asia,Northern Europe,Southern Europe,
    Southeast Europe,South-East Asia,North Atlantic,South Pacific,Western Balkans,
    Central Eurasia,Afghan-Tajik border"""
    out: dict[str, str] = {}
    for block in (countries, capitals, regions):
        for name in block.split(","):
            name = " ".join(name.split())
            if name:
                out[name.lower()] = name
    aliases = {
        "russian federation": "Russia", "kyrgyz republic": "Kyrgyzstan",
        "kirghizia": "Kyrgyzstan", "people's republic of china": "China",
        "united states of america": "United States", "u.s.": "United States",
        "u.s.a.": "United States", "america": "United States", "u.k.": "United Kingdom",
        "great britain": "United Kingdom", "britain": "United Kingdom",
        "republic of korea": "South Korea",
        "democratic people's republic of korea": "North Korea",
        "islamic republic of iran": "Iran", "syrian arab republic": "Syria",
        "czech republic": "Czechia", "türkiye": "Turkey", "turkiye": "Turkey",
        "burma": "Myanmar", "holland": "Netherlands", "belorussia": "Belarus",
        "byelorussia": "Belarus", "republic of belarus": "Belarus", "kiev": "Kyiv",
        "nur-sultan": "Astana", "viet nam": "Vietnam", "ivory coast": "Côte d'Ivoire",
        "côte d'ivoire": "Côte d'Ivoire", "republic of moldova": "Moldova",
        "россия": "Russia", "российская федерация": "Russia", "москва": "Moscow",
        "казахстан": "Kazakhstan", "беларусь": "Belarus", "белоруссия": "Belarus",
        "армения": "Armenia", "кыргызстан": "Kyrgyzstan", "киргизия": "Kyrgyzstan",
        "таджикистан": "Tajikistan", "узбекистан": "Uzbekistan", "китай": "China",
        "минск": "Minsk", "ереван": "Yerevan", "бишкек": "Bishkek", "душанбе": "Dushanbe",
        "астана": "Astana", "пекин": "Beijing", "украина": "Ukraine", "киев": "Kyiv",
        "азербайджан": "Azerbaijan", "грузия": "Georgia", "туркменистан": "Turkmenistan",
        "афганистан": "Afghanistan", "индия": "India", "иран": "Iran", "монголия": "Mongolia",
        "ташкент": "Tashkent", "баку": "Baku", "тбилиси": "Tbilisi",
    }
    out.update(aliases)
    return out


_GAZ = _gaz_entries()
# First words of multi-word gazetteer entries, and "Republic(s) of X".
_GAZ_FIRST = frozenset([k.split(" ", 1)[0] for k in _GAZ if " " in k] + ["republic", "republics"])
# Acronyms read as places unless a text defines them otherwise (only when written in capitals:
# "US", not "Us").
_GAZ_ACRONYMS = {
    "USA": "United States", "US": "United States", "UK": "United Kingdom",
    "UAE": "United Arab Emirates", "DPRK": "North Korea", "PRC": "China",
}

# Token kinds.
_I, _A, _W, _E, _P = 1, 2, 3, 4, 5
# Longest chunk of capitalised tokens looked at as one (names are far shorter; Title Case
# headlines and lists are cut, which keeps the work per token bounded).
_MAX_CHUNK = 16
# Person forms compared pairwise at most per surname block (see _cluster_persons).
_MAX_PERSON_BLOCK = 400
# Piece kinds.
_ACR, _ROLE, _GRP = 1, 2, 3


@lru_cache(maxsize=1 << 16)
def _is_role_word(low: str) -> bool:
    if low in _ROLE_WORDS:
        return True
    if "-" in low:
        return all(p in _ROLE_WORDS or p == "in" for p in low.split("-"))
    return False


@lru_cache(maxsize=1 << 16)
def _is_role_head(low: str) -> bool:
    if low in _ROLE_HEADS:
        return True
    if "-" in low:
        return low.rsplit("-", 1)[1] in _ROLE_HEADS
    return False


@lru_cache(maxsize=1 << 16)
def _is_org_head(low: str) -> bool:
    return low in _ORG_HEADS or ("-" in low and low.rsplit("-", 1)[1] in _ORG_HEADS)


def _is_event_head(low: str) -> bool:
    return low in _EVENT_HEADS


@lru_cache(maxsize=1 << 16)
def _nameable(low: str) -> bool:
    return not (
        low in _ROLE_WORDS
        or low in _ORG_HEADS
        or low in _EVENT_HEADS
        or low in _DEMONYMS
        or low in _GAZ
        or low in _STOP
        or _is_role_word(low)
        or _is_org_head(low)
    )


def _is_acronym(s: str) -> bool:
    """True for acronym-shaped strings: 2-10 chars, upper-case letters (Latin or Cyrillic)."""
    if not _ACRONYM_RE.fullmatch(s):
        return False
    return sum(1 for ch in s if ch.isalpha()) >= 2 and not _ROMAN_RE.fullmatch(s)


# --------------------------------------------------------------------------- definitions


def _initials_match(letters: str, words: Sequence[str]) -> bool:
    """Whether the words' initials spell ``letters`` (connectors may be skipped)."""
    states = {0}
    n = len(letters)
    for w in words:
        lw = w.lower()
        opts = {lw[0]}
        if lw in _ACR_SKIPPABLE:
            opts.add("")
        if "-" in lw:
            parts = [p for p in lw.split("-") if p]
            if len(parts) > 1:
                opts.add("".join(p[0] for p in parts))
                opts.add(parts[0][0] + parts[-1][0])
        new = set()
        for st in states:
            for o in opts:
                if st + len(o) <= n and letters.startswith(o, st):
                    new.add(st + len(o))
        if not new:
            return False
        states = new
    return n in states


class _Defs:
    """Acronym definitions of one text."""

    __slots__ = ("spans", "acr", "alias", "link")

    def __init__(self) -> None:
        self.spans: list[tuple[int, int, str]] = []  # expansion start, end, expansion text
        self.acr: dict[str, str] = {}  # acronym -> expansion
        self.alias: dict[str, str] = {}  # lower-case alias word(s) -> expansion
        self.link: dict[str, str] = {}  # acronym -> equivalent acronym ("ESPO (ЕОПБ)")


def _content_ok(word: str, cyrillic: bool) -> bool:
    lw = word.lower()
    return lw in _ACR_SKIPPABLE or cyrillic or word[0].isupper()


def _find_definitions(text: str) -> _Defs:
    defs = _Defs()
    if "(" not in text:
        return defs
    budget = 64 + len(text) // 256
    taken: list[tuple[int, int]] = []
    for m in _PAREN_ACR_RE.finditer(text):
        acr = m.group(1)
        if not _is_acronym(acr):
            continue
        budget -= 1
        if budget < 0:
            break
        pos = m.start()
        exp = _expansion_before(text, pos, acr)
        if exp is None:
            # "ACR1 (ACR2)": two names of the same thing.
            before = text[max(0, pos - 12) : pos].rstrip()
            mm = re.search(rf"([{_UP}][{_UP}\d&]{{1,9}})$", before)
            if mm and _is_acronym(mm.group(1)) and mm.group(1) != acr:
                a1, a2 = mm.group(1), acr
                if _CYRILLIC_RE.search(a1) and not _CYRILLIC_RE.search(a2):
                    a1, a2 = a2, a1
                defs.link.setdefault(a2, a1)
            continue
        s, e = exp
        exp_text = " ".join(text[s:e].split())
        defs.spans.append((s, e, exp_text))
        taken.append((s, e))
        defs.acr.setdefault(acr, exp_text)
        alias = m.group(2)
        if alias:
            if _is_acronym(alias):
                defs.acr.setdefault(alias, exp_text)
            else:
                defs.alias.setdefault(alias.lower(), exp_text)
    paren = text.find("(")
    # a match starts at most 11 characters before its "(" (the pattern's look-behind still
    # sees the text before the start position)
    for m in _ACR_PAREN_RE.finditer(text, max(0, paren - 11)) if paren >= 0 else ():
        acr = m.group(1)
        if not _is_acronym(acr) or acr in defs.acr:
            continue
        budget -= 1
        if budget < 0:
            break
        inner = m.group(2).strip()
        words = _DEF_WORD_RE.findall(inner)
        if len(words) < 2 or " ".join(words) != " ".join(inner.split()):
            continue
        cyr = bool(_CYRILLIC_RE.search(acr))
        if not all(_content_ok(w, cyr) for w in words):
            continue
        letters = "".join(ch for ch in acr.lower() if ch.isalpha())
        if _initials_match(letters, words):
            s = m.start(2)
            e = s + len(m.group(2).rstrip())
            exp_text = " ".join(inner.split())
            defs.spans.append((s, e, exp_text))
            defs.acr[acr] = exp_text
    defs.spans.sort()
    # Drop overlapping spans (keep the first).
    kept: list[tuple[int, int, str]] = []
    for sp in defs.spans:
        if not kept or sp[0] >= kept[-1][1]:
            kept.append(sp)
    defs.spans = kept
    return defs


def _expansion_before(text: str, pos: int, acr: str) -> tuple[int, int] | None:
    """Span of the words right before ``pos`` whose initials spell ``acr``, if any."""
    lo = max(0, pos - 220)
    window = text[lo:pos]
    cut = 0
    for mm in _DEF_STOP_RE.finditer(window):
        cut = mm.end()
    words = [w for w in _DEF_WORD_RE.finditer(window, cut)][-16:]
    if len(words) < 2:
        return None
    letters = "".join(ch for ch in acr.lower() if ch.isalpha())
    if not letters:
        return None
    # Quick reject: the last word (or its last hyphen part) must give the last letter.
    last = words[-1].group().lower()
    if last[0] != letters[-1] and last.rsplit("-", 1)[-1][:1] != letters[-1]:
        return None
    cyr = bool(_CYRILLIC_RE.search(acr))
    wtexts = [w.group() for w in words]
    limit = min(len(words), len(letters) + 6)
    for k in range(2, limit + 1):
        first = wtexts[-k]
        if not _content_ok(first, cyr):
            break
        if first.lower() in _ACR_SKIPPABLE or first[0].lower() != letters[0]:
            continue
        if not (first[0].isupper() or cyr):
            continue
        if _initials_match(letters, wtexts[-k:]):
            return lo + words[-k].start(), lo + words[-1].end()
    return None


# --------------------------------------------------------------------------- extraction


class _Doc:
    """State of the extraction over one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.defs = _find_definitions(text)
        self.out: list[EntityMention] = []
        self.candidates: list[tuple[list, list, int, int]] = []
        self.single_words: list[tuple[int, int, str]] = []

    # -- helpers -------------------------------------------------------------------

    def acr_canonical(self, acr: str) -> str:
        defs = self.defs
        if acr in defs.acr:
            return defs.acr[acr]
        if acr in defs.link:
            other = defs.link[acr]
            return defs.acr.get(other, other)
        return acr

    def emit(self, typ: str, s: int, e: int, canonical: str | None = None,
             role: str | None = None) -> EntityMention:
        t = self.text[s:e]
        m = EntityMention(t, s, e, typ, canonical if canonical is not None else t, role)
        self.out.append(m)
        return m

    def emit_acronym(self, s: int, e: int) -> None:
        acr = self.text[s:e]
        if acr in _GAZ_ACRONYMS and acr not in self.defs.acr:
            self.emit(PLACE, s, e, _GAZ_ACRONYMS[acr])
            return
        canon = self.acr_canonical(acr)
        typ = ORG
        gz = _GAZ.get(canon.lower())
        if gz is not None and canon != acr:
            typ, canon = PLACE, gz
        self.emit(typ, s, e, canon)

    # -- scanning ------------------------------------------------------------------

    def scan(self) -> list[tuple[list, list]]:
        """Capitalised tokens grouped into chunks: ([(start, end, kind, low)], [connector])."""
        text = self.text
        chunks: list[tuple[list, list]] = []
        cur: list[tuple[int, int, int, str]] = []
        conns: list[str] = []
        prev_end = -1
        prev_low = ""
        prev_kind = 0
        prev_poss = False
        spans = self.defs.spans
        nres = len(spans)
        ri = 0
        cache: dict[str, tuple[int, str, int]] = {}
        for m in _TOKEN_RE.finditer(text):
            s, e = m.span()
            if nres:
                while ri < nres and spans[ri][1] <= s:
                    ri += 1
                if ri < nres and spans[ri][0] <= s:
                    if cur:
                        chunks.append((cur, conns))
                        cur, conns = [], []
                    continue
            tok = m.group()
            info = cache.get(tok)
            if info is None:
                info = cache[tok] = _classify_token(tok)
            kind, low, cut = info
            if kind == _W and s >= 2 and text[s - 1] == "." and text[s - 2].isalpha():
                kind = 0  # "Site.Name": a domain or a glued abbreviation
            if not kind:
                if cur:
                    chunks.append((cur, conns))
                    cur, conns = [], []
                continue
            e -= cut
            if cur:
                if prev_poss or len(cur) >= _MAX_CHUNK:
                    c = None
                elif prev_end + 1 == s and text[prev_end] == " ":
                    c = ""
                else:
                    c = _gap_connector(text[prev_end:s], prev_low, prev_kind)
                if c is None:
                    chunks.append((cur, conns))
                    cur, conns = [], []
                    conns.append("")
                else:
                    conns.append(c)
            else:
                conns.append("")
            cur.append((s, e, kind, low))
            prev_end, prev_low, prev_kind, prev_poss = e, low, kind, cut > 0
        if cur:
            chunks.append((cur, conns))
        return chunks

    # -- chunk processing ----------------------------------------------------------

    def units(self, toks: list, conns: list) -> list[tuple]:
        """Tokens with multi-token places joined: (i0, i1, kind, canonical, start, end)."""
        n = len(toks)
        text = self.text
        units: list[tuple] = []
        i = 0
        while i < n:
            s, e, kind, low = toks[i]
            if kind == _W or kind == _I:
                if i + 1 < n and (low in _GAZ_FIRST or toks[i + 1][3] == "republic"):
                    key = low
                    best = -1
                    for j in range(i + 1, min(n, i + 5)):
                        c = conns[j]
                        if c not in ("", "of", "and", "of the"):
                            break
                        key = f"{key} {c} {toks[j][3]}" if c else f"{key} {toks[j][3]}"
                        if key in _GAZ:
                            best = j
                    if best > 0:
                        units.append((i, best, _P, _GAZ[_key_of(toks, conns, i, best)], s,
                                      toks[best][1]))
                        i = best + 1
                        continue
                    nxt = toks[i + 1]
                    if (
                        low in ("republic", "republics")
                        and conns[i + 1] in ("of", "of the")
                        and nxt[2] == _W
                    ):
                        xc = _GAZ.get(nxt[3])
                        if low == "republic":
                            units.append((i, i + 1, _P, xc or text[s : nxt[1]], s, nxt[1]))
                        else:
                            units.append((i, i + 1, _P, xc or text[nxt[0] : nxt[1]],
                                          nxt[0], nxt[1]))
                        i += 2
                        continue
                    if (
                        nxt[3] == "republic"
                        and conns[i + 1] == ""
                        and kind == _W
                        and not _is_org_head(low)
                        and not _is_role_word(low)
                    ):
                        units.append((i, i + 1, _P, text[s : nxt[1]], s, nxt[1]))
                        i += 2
                        continue
                gz = _GAZ.get(low)
                if gz is not None:
                    units.append((i, i, _P, gz, s, e))
                    i += 1
                    continue
            elif kind == _A and text[s:e] in _GAZ_ACRONYMS and text[s:e] not in self.defs.acr:
                units.append((i, i, _P, _GAZ_ACRONYMS[text[s:e]], s, e))
                i += 1
                continue
            units.append((i, i, kind, None, s, e))
            i += 1
        return units

    def pieces(self, toks: list, conns: list, units: list) -> list[tuple[int, int, int]]:
        """Cut units into acronyms, role runs and word groups: (piece kind, u0, u1)."""
        nu = len(units)
        # Fast path: words joined by spaces only, no acronym, no role word -> one group.
        if all(c == "" for c in conns) and all(
            u[2] != _A and (u[2] != _W or not _is_role_word(toks[u[0]][3])) for u in units
        ):
            return [(_GRP, 0, nu - 1)]
        pieces: list[tuple[int, int, int]] = []

        def low(u: int) -> str:
            return toks[units[u][0]][3]

        def conn(u: int) -> str:
            return conns[units[u][0]]

        def is_head(u: int) -> bool:
            return units[u][2] == _W and (_is_org_head(low(u)) or _is_event_head(low(u)))

        def role_run(u: int) -> int:
            if units[u][2] != _W or not _is_role_word(low(u)):
                return -1
            j = u
            has_head = _is_role_head(low(u))
            while (
                j + 1 < nu
                and units[j + 1][2] == _W
                and conn(j + 1) == ""
                and _is_role_word(low(j + 1))
            ):
                j += 1
                has_head = has_head or _is_role_head(low(j))
            if not has_head:
                return -1
            if j + 1 < nu and conn(j + 1) == "" and is_head(j + 1):
                return -1
            return j

        def keep_conn(c: str, u0: int, j: int, r: int, left_head: bool) -> bool:
            if c in _PARTICLES:
                return True
            if c in _CYR_CONNECTORS:
                return False
            right_head = False
            k = r
            while k < nu and units[k][2] != _A and (k == r or conn(k) == ""):
                if is_head(k):
                    right_head = True
                k += 1
            if c == "and":
                if units[r][2] == _P or all(units[x][2] == _P for x in range(u0, j + 1)):
                    return False
                if left_head and not right_head:
                    return True
                if (
                    not left_head
                    and right_head
                    and j - u0 < 2
                    and all(low(x) not in _GIVEN_NAMES for x in range(u0, j + 1))
                ):
                    return True
                return False
            if not left_head:
                return False
            if right_head and ("the" in c or (is_head(j) and j > u0)):
                return False
            if c[:2] in ("on", "fo") and units[r][2] == _W and low(r).endswith("ing"):
                return False
            return True

        u = 0
        while u < nu:
            kind = units[u][2]
            if kind == _A:
                if (
                    pieces
                    and pieces[-1][0] == _GRP
                    and pieces[-1][2] == u - 1
                    and conn(u) == ""
                    and self.absorbable(toks, units, pieces[-1][1], u)
                ):
                    pieces[-1] = (_GRP, pieces[-1][1], u)
                else:
                    pieces.append((_ACR, u, u))
                u += 1
                continue
            j = role_run(u)
            if j >= 0:
                pieces.append((_ROLE, u, j))
                u = j + 1
                continue
            j = u
            left_head = is_head(u)
            while j + 1 < nu:
                if units[j + 1][2] == _A:
                    break
                c = conn(j + 1)
                if c and not keep_conn(c, u, j, j + 1, left_head):
                    break
                if role_run(j + 1) >= 0:
                    break
                j += 1
                left_head = left_head or is_head(j)
            pieces.append((_GRP, u, j))
            u = j + 1
        return pieces

    def absorbable(self, toks: list, units: list, u0: int, ua: int) -> bool:
        """An all-caps word after 1-3 name-like words may be a surname ("Ivan PETROV")."""
        acr = self.text[units[ua][4] : units[ua][5]]
        if acr in self.defs.acr or acr in self.defs.link or ua - u0 > 3:
            return False
        for x in range(u0, ua):
            k = units[x][2]
            if k == _I:
                continue
            if k != _W or not _nameable(toks[units[x][0]][3]):
                return False
        return True

    def process(self) -> None:
        chunks = self.scan()
        prepared: list[tuple | None] = []
        for toks, conns in chunks:
            if len(toks) == 1:
                prepared.append(None)
            else:
                units = self.units(toks, conns)
                prepared.append((units, self.pieces(toks, conns, units)))
        nch = len(chunks)
        for ci in range(nch):
            toks, conns = chunks[ci]
            prep = prepared[ci]
            if prep is None:
                self.single(toks[0], ci, chunks, prepared)
                continue
            units, pieces = prep
            role: tuple[int, int] | None = self.role_from_previous(ci, chunks, prepared)
            npieces = len(pieces)
            for pi in range(npieces):
                pk, u0, u1 = pieces[pi]
                if pk == _ACR:
                    self.emit_acronym(units[u0][4], units[u0][5])
                    continue
                if pk == _ROLE:
                    role = (units[u0][4], units[u1][5])
                    continue
                # A role only reaches a group joined by a space, not "Secretary for X".
                grole = role if pi == 0 or conns[units[u0][0]] == "" else None
                keep = self.group(toks, conns, units, u0, u1, grole, ci, chunks, prepared,
                                  first=pi == 0, last=pi == npieces - 1)
                if not keep:
                    role = None
        self.second_pass()
        for s, e, exp_text in self.defs.spans:
            self.emit_definition(s, e, exp_text)
        self.events()

    def emit_definition(self, s: int, e: int, exp_text: str) -> None:
        low = exp_text.lower()
        gz = _GAZ.get(low)
        if gz is not None:
            self.emit(PLACE, s, e, gz)
            return
        last = low.rsplit(" ", 1)[-1]
        if last in _EVENT_HEADS or _YEAR_EVENT_RE.fullmatch(exp_text.rsplit(" ", 1)[-1]):
            self.emit(EVENT, s, e, exp_text)
            return
        self.emit(ORG, s, e, exp_text)

    def role_from_previous(self, ci: int, chunks: list, prepared: list) -> tuple | None:
        """A role ending the previous chunk, followed by ", " ("The Secretary General, X")."""
        if ci == 0:
            return None
        prep = prepared[ci - 1]
        if prep is None:
            return None
        units, pieces = prep
        pk, u0, u1 = pieces[-1]
        if pk != _ROLE:
            return None
        end = units[u1][5]
        start = chunks[ci][0][0][0]
        if self.text[end:start] not in (", ", ",  "):
            return None
        return units[u0][4], end

    def single(self, tok: tuple, ci: int, chunks: list, prepared: list) -> None:
        s, e, kind, low = tok
        if kind == _A:
            self.emit_acronym(s, e)
            return
        if kind == _E:
            self.emit(EVENT, s, e)
            return
        if kind != _W:
            return
        gz = _GAZ.get(low)
        if gz is not None:
            self.emit(PLACE, s, e, gz)
            return
        alias = self.defs.alias.get(low)
        if alias is not None:
            self.emit(ORG, s, e, alias)
            return
        if _nameable(low) and low not in _NOT_PLACE and low not in _GIVEN_NAMES:
            if self.text[e : e + 1] not in ("'", "’") and _PLACE_CUE_RE.search(
                self.text, max(0, s - 20), s
            ):
                self.emit(PLACE, s, e)
                return
            self.single_words.append((s, e, low))

    def group(self, toks, conns, units, u0, u1, role, ci, chunks, prepared, *, first: bool,
              last: bool) -> bool:
        """Classify a word group; returns True when a pending role stays pending."""
        text = self.text

        def low(u: int) -> str:
            return toks[units[u][0]][3]

        def conn(u: int) -> str:
            return conns[units[u][0]]

        # Named event with a year ("Indestructible Brotherhood-2024").
        for k in range(u0, u1 + 1):
            if units[k][2] == _E:
                start = k
                while start > u0 and conn(start) == "" and units[start - 1][2] == _W:
                    start -= 1
                if start > u0:
                    self.group(toks, conns, units, u0, start - 1, role, ci, chunks, prepared,
                               first=first, last=False)
                self.emit(EVENT, units[start][4], units[k][5])
                if k < u1:
                    self.group(toks, conns, units, k + 1, u1, None, ci, chunks, prepared,
                               first=False, last=last)
                return False
        # Organisation or event head-word.
        last_h = -1
        for k in range(u1, u0 - 1, -1):
            if units[k][2] == _W and (_is_org_head(low(k)) or _is_event_head(low(k))):
                last_h = k
                break
        if last_h >= 0:
            end = u1
            if last_h < u1 and conn(last_h + 1) == "":
                end = last_h
            if end == u0 and last_h == u0:
                alias = self.defs.alias.get(low(u0))
                if alias is not None:
                    self.emit(ORG, units[u0][4], units[u0][5], alias)
            else:
                start = u0
                while start < end and units[start][2] == _I:
                    start += 1
                typ = EVENT if _is_event_head(low(last_h)) else ORG
                s, e = units[start][4], units[end][5]
                alias = self.defs.alias.get(text[s:e].lower())
                self.emit(typ, s, e, alias)
            if end < u1:
                return self.group(toks, conns, units, end + 1, u1, role, ci, chunks, prepared,
                                  first=False, last=last)
            return True
        # Geographic head-word: "Lake Issyk-Kul", "Fergana Valley", "Kursk Region".
        if u1 > u0 and all(units[k][2] in (_W, _P) for k in range(u0, u1 + 1)) and any(
            units[k][2] == _W and low(k) in _PLACE_HEADS for k in range(u0, u1 + 1)
        ):
            self.emit(PLACE, units[u0][4], units[u1][5])
            return False
        if all(units[k][2] == _P for k in range(u0, u1 + 1)):
            for k in range(u0, u1 + 1):
                self.emit(PLACE, units[k][4], units[k][5], units[k][3])
            return False
        self.person_or_other(toks, conns, units, u0, u1, role, ci, chunks, prepared,
                             first=first, last=last)
        return False

    def person_or_other(self, toks, conns, units, u0, u1, role, ci, chunks, prepared, *,
                        first: bool, last: bool) -> None:
        text = self.text

        def low(u: int) -> str:
            return toks[units[u][0]][3]

        nameish = True
        for k in range(u0, u1 + 1):
            kind = units[k][2]
            if k > u0 and conns[units[k][0]] not in ("",) and conns[units[k][0]] not in _PARTICLES:
                nameish = False
                break
            if kind == _I:
                continue
            if kind == _A and k == u1 and k > u0:
                continue
            if kind != _W or not _nameable(low(k)):
                nameish = False
                break
        n = u1 - u0 + 1
        if nameish and units[u1][2] != _I and 2 <= n <= 5 and any(
            units[k][2] == _W for k in range(u0, u1 + 1)
        ):
            ok, prole = self.person_evidence(toks, units, u0, u1, role, ci, chunks, prepared,
                                             last=last)
            if ok:
                self.emit_person(units[u0][4], units[u1][5], prole)
                return
            if units[u1][2] == _A:
                self.person_or_other(toks, conns, units, u0, u1 - 1, role, ci, chunks,
                                     prepared, first=first, last=False)
                self.emit_acronym(units[u1][4], units[u1][5])
                return
            self.candidates.append((units[u0][4], units[u1][5], low(u1), role))
            return
        if nameish and n == 1 and units[u0][2] == _W and role is not None:
            self.emit_person(units[u0][4], units[u0][5], _role_text(text[role[0] : role[1]]))
            return
        if nameish and n == 1 and units[u0][2] == _A:
            self.emit_acronym(units[u0][4], units[u0][5])
            return
        # Look for a person inside a longer group (Title Case headlines), then places.
        if 2 < n <= 8 and any(
            low(k) in _GIVEN_NAMES or _SURNAME_RE.search(low(k)) for k in range(u0, u1 + 1)
        ):
            for size in (3, 2):
                for k in range(u0, u1 - size + 2):
                    ke = k + size - 1
                    if all(
                        units[x][2] == _W
                        and _nameable(low(x))
                        and (x == k or conns[units[x][0]] == "")
                        for x in range(k, ke + 1)
                    ) and (low(k) in _GIVEN_NAMES or _SURNAME_RE.search(low(ke))):
                        self.emit_person(units[k][4], units[ke][5], None)
                        for x in range(u0, u1 + 1):
                            if units[x][2] == _P:
                                self.emit(PLACE, units[x][4], units[x][5], units[x][3])
                        return
        emitted = False
        for k in range(u0, u1 + 1):
            if units[k][2] == _P:
                self.emit(PLACE, units[k][4], units[k][5], units[k][3])
                emitted = True
            elif units[k][2] == _A:
                self.emit_acronym(units[k][4], units[k][5])
                emitted = True
        if emitted:
            return
        if n == 1 and units[u0][2] == _W:
            lw = low(u0)
            alias = self.defs.alias.get(lw)
            if alias is not None:
                self.emit(ORG, units[u0][4], units[u0][5], alias)
                return
        if (
            first
            and nameish
            and n <= 3
            and all(units[k][2] == _W and low(k) not in _NOT_PLACE for k in range(u0, u1 + 1))
            and low(u0) not in _GIVEN_NAMES
        ):
            s = units[u0][4]
            if _PLACE_CUE_RE.search(text, max(0, s - 20), s):
                self.emit(PLACE, s, units[u1][5])

    def person_evidence(self, toks, units, u0, u1, role, ci, chunks, prepared, *,
                        last: bool) -> tuple[bool, str | None]:
        text = self.text
        lows = [toks[units[k][0]][3] for k in range(u0, u1 + 1)]
        kinds = [units[k][2] for k in range(u0, u1 + 1)]
        if role is not None:
            return True, _role_text(text[role[0] : role[1]])
        end = units[u1][5]
        # Appositive role after the name: "X, the ESPO Deputy Secretary General".
        ok_after, role_after = self.role_after(end, ci, chunks, prepared, last=last)
        if ok_after:
            return True, role_after
        if _I in kinds:
            return True, None
        if lows[0] in _GIVEN_NAMES and kinds[0] == _W:
            return True, None
        surname = lows[-1]
        if len(surname) >= 4 and _SURNAME_RE.search(surname):
            return True, None
        if len(lows) >= 3 and any(_PATRONYMIC_RE.search(x) for x in lows[1:-1]):
            return True, None
        if _SPEECH_AFTER_RE.match(text, end):
            return True, None
        return False, None

    def role_after(self, end: int, ci: int, chunks, prepared, *, last: bool):
        text = self.text
        mm = _LOWER_ROLE_AFTER_RE.match(text, end)
        if mm:
            return True, mm.group(1)
        if not last or ci + 1 >= len(chunks):
            return False, None
        nxt_start = chunks[ci + 1][0][0][0]
        if nxt_start - end > 8:
            return False, None
        gm = _APPOSITIVE_GAP_RE.match(text, end)
        if gm is None or gm.end() != nxt_start:
            return False, None
        prep = prepared[ci + 1]
        if prep is None:
            return False, None
        units, pieces = prep
        ntoks = chunks[ci + 1][0]
        for pk, u0, u1 in pieces:
            if pk == _ROLE:
                return True, _role_text(text[units[u0][4] : units[u1][5]])
            if pk == _ACR:
                continue
            if any(
                units[k][2] == _W and _is_org_head(ntoks[units[k][0]][3]) for k in range(u0, u1 + 1)
            ):
                continue
            break
        return False, None

    def emit_person(self, s: int, e: int, role: str | None) -> None:
        self.emit(PERSON, s, e, None, role)

    def second_pass(self) -> None:
        """Accept unconfirmed names whose surname is a confirmed person's in this text."""
        surnames = set()
        for m in self.out:
            if m.type == PERSON and " " in m.text:
                surnames.add(m.text.rsplit(" ", 1)[1].lower())
        if not surnames:
            return
        for s, e, last_low, _role in self.candidates:
            if last_low in surnames:
                self.emit_person(s, e, None)
        for s, e, lw in self.single_words:
            if lw in surnames:
                self.emit_person(s, e, None)

    def events(self) -> None:
        """Events written with lower-case nouns: "79th session of the X", "X summit"."""
        text = self.text
        if not self.out:
            return
        by_start: dict[int, EntityMention] = {}
        by_end: dict[int, EntityMention] = {}
        for m in self.out:
            if m.type == PERSON:
                continue
            if m.start not in by_start or by_start[m.start].end < m.end:
                by_start[m.start] = m
            if m.end not in by_end or by_end[m.end].start > m.start:
                by_end[m.end] = m
        found: dict[tuple[int, int], None] = {}

        def chain_right(pos: int) -> int:
            m = by_start.get(pos)
            if m is None:
                return -1
            end = m.end
            for _ in range(6):
                nm = by_start.get(end + 1)
                if nm is None or text[end] != " ":
                    break
                end = nm.end
            return end

        def chain_left(pos: int) -> int:
            m = by_end.get(pos)
            if m is None:
                return -1
            start = m.start
            for _ in range(6):
                if start < 2 or text[start - 1] != " ":
                    break
                pm = by_end.get(start - 1)
                if pm is None:
                    break
                start = pm.start
            return start

        nouns = _EVENT_NOUN_RE.search(text) is not None  # needed by both loops below
        for mm in _ORD_OF_RE.finditer(text) if nouns and _NOUN_OF_RE.search(text) else ():
            end = chain_right(mm.end())
            if end > 0:
                found[(mm.start(), end)] = None
        for mm in _ORD_BEFORE_RE.finditer(text) if nouns else ():
            end = chain_right(mm.end())
            if end > 0:
                nm = _EVENT_NOUN_AFTER_RE.match(text, end)
                if nm:
                    found[(mm.start(), nm.end())] = None
        for mm in _SUMMIT_RE.finditer(text) if "ummit" in text else ():
            pos = mm.start()
            if pos < 2 or text[pos - 1] != " ":
                continue
            start = chain_left(pos - 1)
            if start < 0:
                wm = _WORD_BEFORE_RE.search(text, max(0, pos - 41), pos)
                if wm and wm.group(1).lower() not in _STOP and _nameable(wm.group(1).lower()):
                    start = wm.start(1)
            if start >= 0:
                om = _ORD_BEFORE_RE.search(text, max(0, start - 16), start)
                if om and om.end() == start:
                    start = om.start()
                found[(start, mm.end())] = None
        existing = {(m.start, m.end) for m in self.out}
        for s, e in found:
            if (s, e) not in existing:
                self.emit(EVENT, s, e)


def _classify_token(tok: str) -> tuple[int, str, int]:
    """(kind, lower-case form, characters of possessive cut off the end) of a token.

    kind is 0 for a token that ends a chunk and is never part of an entity (function words,
    months, roman numerals, single letters, words with digits that are not "Name-2024").
    """
    if tok[-1] == ".":
        return _I, tok.lower(), 0
    low = tok.lower()
    cut = 0
    if "'" in low or "’" in low:
        low = low.replace("’", "'")
        if low not in _POSS_KEEP:
            if low[-1] == "'":
                cut = 1
            elif low[-2:] == "'s":
                cut = 2
            if cut:
                tok, low = tok[:-cut], low[:-cut]
    if len(tok) < 2 or low in _STOP:
        return 0, low, cut
    if tok.isupper():
        if tok.isalpha():
            if len(tok) <= 6:
                return (0 if _ROMAN_RE.fullmatch(tok) else _A), low, cut
            return _W, low, cut
        return (_E if _YEAR_EVENT_RE.fullmatch(tok) else 0), low, cut
    if not tok.isalpha() and not tok.replace("-", "").replace("'", "").replace("’", "").isalpha():
        return (_E if _YEAR_EVENT_RE.fullmatch(tok) else 0), low, cut
    if "-" in low and any(p in _MONTHS for p in low.split("-")):
        return 0, low, cut  # "May-June"
    return _W, low, cut


def _role_text(r: str) -> str | None:
    words = [w for w in r.replace(".", " ").split() if w.lower() not in _HONORIFICS]
    return " ".join(words) or None


def _key_of(toks: list, conns: list, i: int, j: int) -> str:
    key = toks[i][3]
    for k in range(i + 1, j + 1):
        c = conns[k]
        key = f"{key} {c} {toks[k][3]}" if c else f"{key} {toks[k][3]}"
    return key


def _gap_connector(gap: str, prev_low: str, prev_kind: int) -> str | None:
    """The connector a gap between two capitalised tokens stands for, or None (a break)."""
    n = len(gap)
    if n == 0:
        return "" if prev_kind == _I else None
    if n > 16:
        return None
    g0 = gap[0]
    if g0 == ".":
        return "" if prev_low in _ABBREV and gap in (". ", ".") else None
    if g0 not in " \t\u00a0":
        return None
    if gap.isspace():
        return "" if n <= 3 and "\n" not in gap else None
    if gap[-1] in " \t\u00a0" and "\n" not in gap:
        g = " ".join(gap.split())
        if g in _CONNECTORS:
            return g
    return None


def find_mentions(text: str) -> list[EntityMention]:
    """Find PERSON, ORG, PLACE and EVENT mentions in one text.

    Mentions are returned in text order (by start, longer first when nested: an EVENT such
    as "ESPO summit" contains the ORG mention "ESPO"), with ``text[m.start:m.end] == m.text``.
    ``canonical`` is the mention's own text, except for acronyms defined in the text (and
    aliases given with them, "(ICBC, Commission)"), whose canonical is the expansion, and
    places, whose canonical is the gazetteer name ("Republic of Kazakhstan" -> "Kazakhstan").
    ``role`` holds the title written next to a person ("Deputy Secretary General").
    """
    if not text:
        return []
    doc = _Doc(text)
    doc.process()
    out = doc.out
    out.sort(key=lambda m: (m.start, -m.end, m.type))
    # Drop exact duplicates (same span and type) that different rules may produce.
    result: list[EntityMention] = []
    last = None
    for m in out:
        k = (m.start, m.end, m.type)
        if k != last:
            result.append(m)
            last = k
    return result


# --------------------------------------------------------------------------- merging

_SPELLING = {
    "centre": "center", "centres": "centers", "organisation": "organization",
    "organisations": "organizations", "defence": "defense", "programme": "program",
    "programmes": "programs", "labour": "labor", "honour": "honor", "favour": "favor",
    "harbour": "harbor", "colour": "color", "neighbour": "neighbor", "behaviour": "behavior",
    "theatre": "theater", "metre": "meter", "licence": "license", "offence": "offense",
    "catalogue": "catalog", "dialogue": "dialog", "analyse": "analyze", "judgement": "judgment",
    "councillor": "councilor", "counsellor": "counselor", "travelling": "traveling",
    "enrolment": "enrollment", "fulfil": "fulfill", "cheque": "check",
}
_KEY_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_IS_SUFFIX_RE = re.compile(r"is(ation|ations|e|ed|es|ing)$")


def _org_key(name: str) -> str:
    """Comparison key of an ORG/EVENT/PLACE name: case, "the", spelling and hyphens folded."""
    s = unicodedata.normalize("NFKC", name).lower().replace("’", "'")
    s = s.replace("-", "").replace("‐", "").replace("–", " ")
    words = _KEY_WORD_RE.findall(s)
    if words and words[0] == "the":
        words = words[1:]
    out = []
    for w in words:
        if w.endswith("'s"):
            w = w[:-2]
        w = _SPELLING.get(w, w)
        if len(w) > 5:
            w = _IS_SUFFIX_RE.sub(r"iz\1", w)
        out.append(w)
    return " ".join(out)


def _strip_accents(s: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch)
    )


_CYR_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u", "қ": "k", "ғ": "g", "ү": "u",
    "ұ": "u", "ә": "a", "ө": "o", "һ": "h", "ң": "n",
}


def _translit(s: str) -> str:
    out = []
    for ch in s:
        low = ch.lower()
        t = _CYR_TRANSLIT.get(low)
        if t is None:
            out.append(ch)
        else:
            out.append(t.upper() if ch.isupper() else t)
    return "".join(out)


_FOLD_RULES = (
    (re.compile(r"^ye"), "e"),
    (re.compile(r"^yo"), "e"),
    (re.compile(r"iy$|yy$|ii$"), "i"),
    (re.compile(r"y"), "i"),
    (re.compile(r"ks"), "x"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"w"), "v"),
    (re.compile(r"ou"), "u"),
    (re.compile(r"ie"), "i"),
    (re.compile(r"j"), "i"),
    (re.compile(r"(.)\1"), r"\1"),
)


def _fold_name(s: str) -> str:
    """Spelling-insensitive form of a name word (case, accents, common transliterations)."""
    s = _strip_accents(_translit(s)).lower()
    s = "".join(ch for ch in s if ch.isalpha())
    for rx, rep in _FOLD_RULES:
        s = rx.sub(rep, s)
    return s


class _PersonName:
    __slots__ = ("surface", "first", "initials", "middles", "surname", "fsur", "ffirst",
                 "allcaps", "ntok")

    def __init__(self, surface: str) -> None:
        self.surface = surface
        toks = surface.replace(".", ". ").split()
        toks = [t for t in toks if t]
        initials: list[str] = []
        words: list[str] = []
        for t in toks:
            if len(t) == 2 and t[1] == "." and t[0].isalpha():
                initials.append(t[0].lower())
                if words:  # an initial after a first name is a middle initial
                    pass
            elif t.lower() in _PARTICLES:
                continue
            else:
                words.append(t)
        self.ntok = len(toks)
        self.surname = words[-1] if words else (toks[-1] if toks else surface)
        self.fsur = _fold_name(self.surname)
        self.allcaps = self.surname.isupper() and len(self.surname) > 1
        first_is_initial = bool(toks) and len(toks[0]) == 2 and toks[0][1] == "."
        if first_is_initial or len(words) < 2:
            self.first = None
            self.ffirst = None
            self.initials = initials
            self.middles = []
        else:
            self.first = words[0]
            self.ffirst = _fold_name(words[0])
            self.initials = [_fold_initial(words[0])] + initials
            self.middles = [w for w in words[1:-1]]

    @property
    def kind(self) -> str:
        if self.first is not None:
            return "full"
        if self.initials:
            return "initials"
        return "surname"


def _fold_initial(word: str) -> str:
    return _strip_accents(_translit(word[:1])).lower()[:1]


def _surnames_match(a: _PersonName, b: _PersonName) -> bool:
    if a.fsur == b.fsur:
        return True
    if not a.fsur or not b.fsur or a.fsur[0] != b.fsur[0] or a.fsur[-1] != b.fsur[-1]:
        return False
    if min(len(a.fsur), len(b.fsur)) < 7:
        return False
    from rapidfuzz.fuzz import ratio

    return ratio(a.fsur, b.fsur) >= 90


def _first_names_match(a: str, b: str) -> bool:
    fa, fb = _fold_name(a), _fold_name(b)
    if fa == fb:
        return True
    la, lb = a.lower(), b.lower()
    if la.endswith("a") != lb.endswith("a"):  # Alexander / Alexandra
        return False
    if min(len(fa), len(fb)) < 5 or fa[0] != fb[0]:
        return False
    from rapidfuzz.fuzz import ratio

    return ratio(fa, fb) >= 75


def _middles_match(a: _PersonName, b: _PersonName) -> bool:
    if not a.middles or not b.middles:
        # Compare middle initials when written ("A.N. X" vs "Andrei Nikolaevich X").
        ia, ib = a.initials[1:], b.initials[1:]
        ma = ia or [_fold_initial(m) for m in a.middles]
        mb = ib or [_fold_initial(m) for m in b.middles]
        return not ma or not mb or ma[0] == mb[0]
    return _first_names_match(a.middles[0], b.middles[0])


def _full_match(a: _PersonName, b: _PersonName) -> bool:
    return (
        _surnames_match(a, b)
        and a.first is not None
        and b.first is not None
        and _first_names_match(a.first, b.first)
        and _middles_match(a, b)
    )


def _initials_compatible(short: _PersonName, full: _PersonName) -> bool:
    if not _surnames_match(short, full):
        return False
    if not short.initials:
        return True
    if not full.initials or short.initials[0] != full.initials[0]:
        return False
    if len(short.initials) > 1:
        mids = full.initials[1:] or [_fold_initial(m) for m in full.middles]
        if mids and mids[0] != short.initials[1]:
            return False
    return True


def _cluster_persons(counts: Counter) -> dict[str, int]:
    """Cluster person surface forms; returns surface -> cluster id.

    Two names can only match when their folded surnames are equal or share the first three
    and the last letter, so the work is done per such block (blocks of more than
    ``_MAX_PERSON_BLOCK`` forms only merge names whose folded first name and surname are
    equal, keeping the cost bounded).
    """
    names = {s: _PersonName(s) for s in counts}
    # Base groups: identical folded full strings ("Ivan PETROV" / "Ivan Petrov").
    base: dict[tuple, list[str]] = defaultdict(list)
    for s, pn in names.items():
        key = (pn.kind, tuple(_fold_name(t) for t in s.replace(".", ". ").split()))
        base[key].append(s)
    groups = sorted(sorted(v) for v in base.values())
    reps = [names[g[0]] for g in groups]
    cluster_of = list(range(len(groups)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(groups))}

    def join(ci: int, cj: int) -> None:
        keep, drop = min(ci, cj), max(ci, cj)
        for x in members[drop]:
            cluster_of[x] = keep
        members[keep].extend(members.pop(drop))

    blocks: dict[tuple, list[int]] = defaultdict(list)
    for i, pn in enumerate(reps):
        blocks[(pn.fsur[:3], pn.fsur[-1:])].append(i)
    for block in blocks.values():
        if len(block) > _MAX_PERSON_BLOCK:
            exact: dict[tuple, int] = {}
            for i in block:
                pn = reps[i]
                if pn.kind == "full":
                    k = (pn.ffirst, pn.fsur)
                    if k in exact and cluster_of[exact[k]] != cluster_of[i]:
                        join(cluster_of[exact[k]], cluster_of[i])
                    exact.setdefault(k, i)
            continue
        full = [i for i in block if reps[i].kind == "full"]
        # Full names: complete linkage, in sorted order.
        for x, i in enumerate(full):
            for j in full[:x]:
                ci, cj = cluster_of[i], cluster_of[j]
                if ci != cj and all(
                    _full_match(reps[a], reps[b]) for a in members[ci] for b in members[cj]
                ):
                    join(ci, cj)
        # Initial forms: attached to the one full-name cluster they fit, else kept together
        # with the other initial forms of the same surname and initials. A join renumbers
        # clusters (the smaller id is kept), so the full-name clusters are read afresh.
        inits = [i for i in block if reps[i].kind == "initials"]
        for i in inits:
            fits = [
                c for c in sorted({cluster_of[j] for j in full})
                if all(_initials_compatible(reps[i], reps[x]) for x in members[c])
            ]
            if len(fits) == 1 and cluster_of[i] != fits[0]:
                join(cluster_of[i], fits[0])
        fullset = {cluster_of[i] for i in full}
        for x, i in enumerate(inits):
            for j in inits[:x]:
                ci, cj = cluster_of[i], cluster_of[j]
                if ci == cj or ci in fullset or cj in fullset:
                    continue
                a, b = reps[i], reps[j]
                if (
                    _surnames_match(a, b)
                    and a.initials[:1] == b.initials[:1]
                    and (a.initials[1:2] == b.initials[1:2] or not a.initials[1:]
                         or not b.initials[1:])
                ):
                    join(ci, cj)
        # Surname-only forms: attached to the one cluster with that surname.
        for i in block:
            if reps[i].kind != "surname":
                continue
            fits = sorted(
                {cluster_of[j] for j in block
                 if reps[j].kind != "surname" and _surnames_match(reps[i], reps[j])}
            )
            if len(fits) == 1 and cluster_of[i] != fits[0]:
                join(cluster_of[i], fits[0])
    out: dict[str, int] = {}
    for gi, g in enumerate(groups):
        for s in g:
            out[s] = cluster_of[gi]
    return out


def _person_name_rank(s: str, count: int) -> tuple:
    pn = _PersonName(s)
    return (
        pn.first is None,  # full first name first
        pn.allcaps,  # "Petrov" before "PETROV"
        -count,  # then the most frequent
        -pn.ntok,  # then the most complete
        s,
    )


def _strip_the(s: str) -> str:
    return s[4:] if s[:4].lower() == "the " else s


def _org_name_rank(s: str, count: int) -> tuple:
    return (_is_acronym(s), -count, -len(s), s)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, x):
        parent = self.parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _fuzzy_union(keys: Iterable[tuple[str, str]], uf: _UnionFind) -> None:
    """Union ORG/EVENT keys that differ by a typo (ratio >= 95, long names, same digits)."""
    from rapidfuzz.fuzz import ratio

    blocks: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
    for typ, key in keys:
        if typ not in (ORG, EVENT) or len(key) < 20 or " " not in key:
            continue
        words = key.split()
        blocks[(typ, words[0][:3], words[-1])].append((typ, key))
    for members in blocks.values():
        if len(members) < 2 or len(members) > 300:
            continue
        members.sort()
        for i in range(len(members)):
            a = members[i][1]
            da = re.sub(r"\D", "", a)
            for j in range(i):
                b = members[j][1]
                if re.sub(r"\D", "", b) != da:
                    continue
                if ratio(a, b) >= 95:
                    uf.union(members[i], members[j])


# A gazetteer of major international organisations, like the one of countries: the Russian
# acronyms that Russian-language pages (and their image captions) use for them, and the
# expansion of the English acronym, used only when no page of the corpus defines it.
INTERNATIONAL_CYRILLIC = {
    "ООН": "UN", "ОДКБ": "CSTO", "ШОС": "SCO", "СНГ": "CIS", "ЕС": "EU", "НАТО": "NATO",
    "ОБСЕ": "OSCE", "ЕАЭС": "EAEU", "БРИКС": "BRICS", "ОПЕК": "OPEC", "МАГАТЭ": "IAEA",
    "ВОЗ": "WHO", "ЮНЕСКО": "UNESCO", "МВФ": "IMF", "ВТО": "WTO", "АСЕАН": "ASEAN",
    "АТЭС": "APEC", "МККК": "ICRC", "ПАСЕ": "PACE", "ОЭСР": "OECD", "РАТС": "RATS",
}
INTERNATIONAL_EXPANSIONS = {
    "UN": "United Nations", "EU": "European Union",
    "NATO": "North Atlantic Treaty Organization",
    "OSCE": "Organization for Security and Co-operation in Europe",
    "CIS": "Commonwealth of Independent States", "SCO": "Shanghai Cooperation Organization",
    "CSTO": "Collective Security Treaty Organization", "EAEU": "Eurasian Economic Union",
    "IAEA": "International Atomic Energy Agency", "WHO": "World Health Organization",
    "UNESCO": "United Nations Educational, Scientific and Cultural Organization",
    "IMF": "International Monetary Fund", "WTO": "World Trade Organization",
    "ASEAN": "Association of Southeast Asian Nations",
    "OPEC": "Organization of the Petroleum Exporting Countries",
    "OECD": "Organisation for Economic Co-operation and Development",
    "ICRC": "International Committee of the Red Cross",
    "APEC": "Asia-Pacific Economic Cooperation",
    "PACE": "Parliamentary Assembly of the Council of Europe",
}


def merge_entities(
    docs: Sequence[Sequence[EntityMention]],
    known_acronyms: Mapping[str, str] | None = None,
) -> tuple[list[Entity], list[list[EntityMention]]]:
    """Merge aliases across documents into canonical entities.

    ``docs`` holds the mentions of each document (article). Returns the entities, sorted by
    number of mentions (descending) then name, and the documents' mentions with
    ``canonical`` set to their entity's name. The result does not depend on the order of
    ``docs``. ``known_acronyms`` (acronym -> expansion) resolves acronyms not defined in
    their own document, before the definitions found in other documents.
    """
    docs = [list(d) for d in docs]
    known = {**INTERNATIONAL_CYRILLIC, **(known_acronyms or {})}
    # 1. Acronym definitions seen anywhere (counted once per document).
    defs: dict[str, Counter] = defaultdict(Counter)
    def_types: dict[str, Counter] = defaultdict(Counter)
    acronyms_seen: set[str] = set()
    for doc in docs:
        seen: set[tuple[str, str]] = set()
        for m in doc:
            if m.type == PERSON or not _is_acronym(m.text):
                continue
            acronyms_seen.add(m.text)
            c = _strip_the(m.canonical) if m.canonical else m.text
            if c != m.text and (m.text, c) not in seen:
                seen.add((m.text, c))
                defs[m.text][c] += 1
                if not _is_acronym(c):
                    def_types[c][m.type] += 1
    best = {
        a: min(cnt.items(), key=lambda kv: (-kv[1], _is_acronym(kv[0]), kv[0]))[0]
        for a, cnt in defs.items()
    }
    def_type = {
        c: min(cnt.items(), key=lambda kv: (-kv[1], kv[0]))[0] for c, cnt in def_types.items()
    }
    latin_acronyms = acronyms_seen | set(best) | set(known)

    def resolve(m: EntityMention) -> tuple[str, str]:
        c = _strip_the(m.canonical or m.text)
        typ = m.type
        for _ in range(5):
            if not _is_acronym(c):
                break
            nxt = known.get(c) or best.get(c)
            if nxt is None and c in acronyms_seen:
                nxt = INTERNATIONAL_EXPANSIONS.get(c)
            if nxt is None and _CYRILLIC_RE.search(c):
                t = _translit(c).upper()
                if t in latin_acronyms and t != c:
                    nxt = t
            if not nxt or nxt == c:
                break
            c = nxt
        if _is_acronym(m.text) and c != m.text and typ != PERSON:
            typ = def_type.get(c, typ)
            gz = _GAZ.get(c.lower())
            if gz is not None:
                typ, c = PLACE, gz
        return typ, c

    # 2. Keys of the non-person mentions; person surfaces counted apart.
    uf = _UnionFind()
    mention_keys: list[list[tuple]] = []
    display: dict[tuple, Counter] = defaultdict(Counter)
    surfaces: dict[tuple, Counter] = defaultdict(Counter)
    person_counts: Counter = Counter()
    memo: dict[tuple[str, str, str], tuple[tuple[str, str], str]] = {}
    for doc in docs:
        keys = []
        for m in doc:
            if m.type == PERSON:
                person_counts[m.text] += 1
                keys.append(None)
                continue
            mk = (m.type, m.text, m.canonical)
            hit = memo.get(mk)
            if hit is None:
                typ, c = resolve(m)
                hit = memo[mk] = ((typ, _org_key(c) or c.lower()), c)
            k, c = hit
            display[k][c] += 1
            surfaces[k][m.text] += 1
            keys.append(k)
        mention_keys.append(keys)
    for k in display:
        uf.find(k)
    _fuzzy_union(sorted(display), uf)

    # 3. Persons.
    person_cluster = _cluster_persons(person_counts) if person_counts else {}

    # 4. Entities.
    groups_disp: dict[tuple, Counter] = defaultdict(Counter)
    groups_surf: dict[tuple, Counter] = defaultdict(Counter)
    for k, cnt in display.items():
        root = uf.find(k)
        groups_disp[root].update(cnt)
        groups_surf[root].update(surfaces[k])
    for s, cid in person_cluster.items():
        root = (PERSON, cid)
        groups_disp[root][s] += person_counts[s]
        groups_surf[root][s] += person_counts[s]
    names: dict[tuple, str] = {}
    for root, cnt in groups_disp.items():
        if root[0] == PERSON:
            names[root] = min(cnt.items(), key=lambda kv: _person_name_rank(*kv))[0]
        else:
            names[root] = min(cnt.items(), key=lambda kv: _org_name_rank(*kv))[0]

    articles: Counter = Counter()
    mentions_out: list[list[EntityMention]] = []
    for doc, keys in zip(docs, mention_keys, strict=True):
        roots_here = set()
        new_doc = []
        for m, k in zip(doc, keys, strict=True):
            root = (PERSON, person_cluster[m.text]) if k is None else uf.find(k)
            roots_here.add(root)
            name = names[root]
            new_doc.append(
                m if m.canonical == name
                else EntityMention(m.text, m.start, m.end, m.type, name, m.role)
            )
        for r in roots_here:
            articles[r] += 1
        mentions_out.append(new_doc)

    entities = []
    for root, cnt in groups_disp.items():
        typ = root[0]
        name = names[root]
        aliases = set(groups_surf[root]) | set(cnt)
        aliases.add(name)
        entities.append(
            Entity(
                name=name,
                type=typ,
                aliases=tuple(sorted(aliases)),
                mentions=sum(groups_surf[root].values()),
                articles=articles[root],
            )
        )
    entities.sort(key=lambda e: (-e.mentions, e.name, e.type))
    return entities, mentions_out


# --------------------------------------------------------------------------- extract

_SPACY_TYPES = {
    "PERSON": PERSON, "ORG": ORG, "NORP": ORG, "GPE": PLACE, "LOC": PLACE, "FAC": PLACE,
    "EVENT": EVENT,
}


def _spacy_mentions(texts: Sequence[str]) -> list[list[EntityMention]]:
    try:
        import spacy  # type: ignore[import-not-found]
    except ImportError as exc:
        raise CorpusError(f"the spacy backend needs spaCy: {SPACY_INSTALL_HINT}") from exc
    try:
        nlp = spacy.load("en_core_web_sm")
    except (OSError, ImportError) as exc:
        raise CorpusError(
            f"the spacy backend needs the en_core_web_sm model: {SPACY_INSTALL_HINT}"
        ) from exc
    out: list[list[EntityMention]] = []
    for text, doc in zip(texts, nlp.pipe(texts), strict=True):
        defs = _find_definitions(text)
        mentions = []
        for ent in doc.ents:
            typ = _SPACY_TYPES.get(ent.label_)
            if typ is None:
                continue
            s, e = ent.start_char, ent.end_char
            if text[s : s + 4].lower() == "the ":
                s += 4
            while e > s and text[e - 1] in " \t\n'’":
                e -= 1
            if text[e - 2 : e] in ("'s", "’s"):
                e -= 2
            if e <= s:
                continue
            t = text[s:e]
            canonical = t
            if t in defs.acr:
                canonical = defs.acr[t]
            mentions.append(EntityMention(t, s, e, typ, canonical))
        out.append(mentions)
    return out


def extract(
    texts: Sequence[str], backend: str = "builtin"
) -> tuple[list[Entity], list[list[EntityMention]]]:
    """Find the mentions of every text and merge them (see :func:`merge_entities`).

    ``backend`` is ``"builtin"`` (the rules of this module) or ``"spacy"`` (spaCy's
    ``en_core_web_sm``; PERSON -> PERSON, ORG/NORP -> ORG, GPE/LOC/FAC -> PLACE,
    EVENT -> EVENT). Raises :class:`~corpus_cli.errors.CorpusError` for an unknown backend
    or when spaCy or its model is not installed.
    """
    if backend == "builtin":
        docs = [find_mentions(t) for t in texts]
    elif backend == "spacy":
        docs = _spacy_mentions(texts)
    else:
        raise CorpusError(f"unknown entity backend {backend!r} (use 'builtin' or 'spacy')")
    return merge_entities(docs)

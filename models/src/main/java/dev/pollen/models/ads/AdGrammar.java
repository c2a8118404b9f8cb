package dev.pollen.models.ads;

import dev.pollen.adapters.ads.AdCategory;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The vocabulary of {@link AdInventoryGenerator}: per category what is sold and how an ad asks for the sale, per
 * studio genre the scene an ad borrows from the titles it wants to run on, per studio tone the hook and the
 * adjective that colour it. Every phrase fits its slot in any combination: a product is a noun phrase that follows
 * {@code the ADJECTIVE new}, a scene completes {@code ..., SCENE.}, a hook and a call to action are whole sentences.
 * The slot sizes are documented in {@code models/README.md} ("Ads").
 */
final class AdGrammar {
    private AdGrammar() {
    }

    /** The studio tones, in the column order of {@link Category#toneWeights} (as in the title grammar). */
    static final List<String> TONES = List.of("dark", "uplifting", "tense", "whimsical", "melancholic",
            "heartwarming", "satirical", "gritty");

    /** The studio genres an ad can aim at, in the title grammar's order. */
    static final List<String> GENRES = List.of("drama", "comedy", "thriller", "horror", "sci-fi", "romance",
            "documentary", "animation", "crime", "fantasy", "action", "mystery");

    /**
     * One category's words.
     *
     * @param category the category
     * @param weight relative number of advertisers in it
     * @param medianBid the median bid, CPM
     * @param suffixes what follows a brand stem in an advertiser's name ({@code Harbor Motors})
     * @param products noun phrases without article
     * @param calls calls to action, whole sentences
     * @param genres the studio genres its ads aim at most, and whose titles click on it more
     * @param toneWeights relative weight of each tone in {@link #TONES} order
     */
    record Category(AdCategory category, int weight, double medianBid, List<String> suffixes,
            List<String> products, List<String> calls, List<String> genres, int[] toneWeights) {
    }

    /**
     * One tone's words.
     *
     * @param name the tone as the studio catalog writes it
     * @param hooks opening sentences
     * @param adjectives adjectives for the product ({@code the ADJECTIVE new PRODUCT})
     */
    record Tone(String name, List<String> hooks, List<String> adjectives) {
    }

    /** Brand stems of advertisers' names, shared by every category. */
    static final List<String> STEMS = List.of("Harbor", "Summit", "Redline", "Ironwood", "Northgate", "Bluebird",
            "Apex", "Meridian", "Crestline", "Evergreen", "Silverline", "Lumen", "Brightwater", "Oakridge", "Polaris",
            "Cobalt", "Juniper", "Falcon", "Riverstone", "Goldleaf", "Copperfield", "Starling", "Westbrook", "Nimbus",
            "Kestrel", "Halcyon", "Granite", "Saffron", "Tidewater", "Beacon", "Foxglove", "Orion", "Willow",
            "Sterling", "Cascade", "Marlowe", "Hollis", "Aurora", "Pinecrest", "Vantage");

    /** Scenes per genre, in {@link #GENRES} order: each completes {@code ..., SCENE.} after any product. */
    static final List<List<String>> SCENES = List.of(
            List.of("for the moments that change a family forever", "for every hard-won chapter of a life",
                    "for the days that test who you really are", "through every turning point of your story"),
            List.of("for the laughs, the mishaps and the happy accidents", "for when everything hilariously goes"
                    + " wrong", "for the funniest nights with the whole gang", "because life is a comedy anyway"),
            List.of("for when every second counts and no one can be trusted", "built for the chase and the narrow"
                    + " escape", "for when the clock is ticking and danger is close", "for nights on the edge of your"
                    + " seat"),
            List.of("for when the lights go out and something stirs in the dark", "ready for the scariest night of"
                    + " the year", "to survive the haunted house and whatever hides in it", "for the brave who"
                    + " watch ghost stories alone at midnight"),
            List.of("built for explorers of distant galaxies", "straight from the future of space travel",
                    "for the starship crew in all of us", "engineered for tomorrow's worlds and the robots in them"),
            List.of("for the one you love", "for candlelit dinners and long walks together", "for love stories that"
                    + " start with a single look", "to fall in love all over again"),
            List.of("inspired by real people and true stories", "for the curious who want to know how the world"
                    + " works", "shaped by wild nature and the people who protect it", "for everyone who loves the"
                    + " real world, filmed as it is"),
            List.of("for little adventurers and their families", "full of colour, cartoons and giggles",
                    "for kids who dream of talking animals and magic toy shops", "made for family movie night"),
            List.of("for detectives, outlaws and the heist of the century", "for cracking the case before the"
                    + " mob does", "as bold as a getaway through the city at night", "for those who know how the"
                    + " streets really work"),
            List.of("for heroes on a quest through enchanted kingdoms", "worthy of dragons, wizards and legends",
                    "with a touch of magic from a faraway realm", "for every knight, witch and dreamer"),
            List.of("built for adrenaline, explosions and daring rescues", "for heroes who never back down from a"
                    + " fight", "as fast as a high-speed chase", "for the mission of your life"),
            List.of("for solving the puzzle, clue by clue", "for the whodunit lover in you", "with a secret waiting"
                    + " to be uncovered", "for minds that cannot resist a good mystery"));

    //                                   dark upl tense whim mel heart sat grit
    static final List<Tone> TONE_WORDS = List.of(
            new Tone("dark",
                    List.of("Some nights never end.", "The shadows are closer than you think.",
                            "In the dark, only the strong endure.", "Not everyone makes it to morning.",
                            "Face what haunts you."),
                    List.of("bold", "midnight-black", "uncompromising", "fearsome")),
            new Tone("uplifting",
                    List.of("Dream bigger.", "Today is the day you rise.", "Nothing can stop you now.",
                            "Every step forward counts.", "Believe in what's possible."),
                    List.of("brilliant", "inspiring", "bright", "unstoppable")),
            new Tone("tense",
                    List.of("The clock is ticking.", "Ten seconds. One choice.", "Don't look back.",
                            "Hold your breath.", "No time to lose."),
                    List.of("lightning-fast", "razor-sharp", "split-second", "high-stakes")),
            new Tone("whimsical",
                    List.of("Life is delightfully odd.", "Who says grown-ups can't play?",
                            "A little silliness goes a long way.", "Wonder is everywhere, if you look.",
                            "Go on, get a little curious."),
                    List.of("wonderfully quirky", "playful", "delightfully silly", "surprisingly magical")),
            new Tone("melancholic",
                    List.of("Some memories stay with you forever.", "For the ones we miss.",
                            "The best days are worth remembering.", "Time passes, quietly.",
                            "Hold on to what matters."),
                    List.of("timeless", "classic", "nostalgic", "quietly beautiful")),
            new Tone("heartwarming",
                    List.of("Home is where the heart is.", "Little moments, big love.",
                            "Together is the best place to be.", "Made with love, shared with family.",
                            "Kindness never goes out of style."),
                    List.of("cozy", "warm", "lovingly made", "family-favourite")),
            new Tone("satirical",
                    List.of("Because you are obviously the most important person in the room.",
                            "Finally, something as impressive as your ego.",
                            "Experts agree you deserve better, and we are the experts.",
                            "Why be humble when you could be premium?",
                            "Join the millions who pretend to read the terms and conditions."),
                    List.of("ridiculously premium", "shamelessly luxurious", "officially superior",
                            "award-worthy")),
            new Tone("gritty",
                    List.of("No shortcuts. No excuses.", "Built tough for tough streets.",
                            "When life hits hard, hit back.", "Real work. Real grit.",
                            "Made for people who never quit."),
                    List.of("rugged", "heavy-duty", "no-nonsense", "hard-wearing")));

    /** Every category, in {@link AdCategory} order. */
    static final List<Category> CATEGORIES = List.of(
            new Category(AdCategory.AUTOMOTIVE, 8, 14.0, List.of("Motors", "Auto Group", "Cars", "Automotive"),
                    List.of("hybrid SUV with room for seven", "electric hatchback", "pickup truck that tows"
                            + " anything", "sports coupe", "family minivan", "all-wheel-drive wagon"),
                    List.of("Book a test drive today.", "Visit your local dealer this weekend.",
                            "Lease yours from 249 a month.", "Build yours online."),
                    List.of("action", "thriller", "crime"), new int[] {2, 3, 4, 0, 1, 2, 1, 4}),
            new Category(AdCategory.BEAUTY, 6, 9.0, List.of("Beauty", "Cosmetics", "Skin Lab", "Botanicals"),
                    List.of("skincare serum", "long-lasting lipstick", "fragrance", "hair-care collection",
                            "sunscreen for every skin", "mascara"),
                    List.of("Find your shade online.", "Try it free in store.", "Shop the collection now.",
                            "Your glow starts today."),
                    List.of("romance", "drama", "comedy"), new int[] {1, 4, 0, 3, 1, 3, 2, 0}),
            new Category(AdCategory.FOOD_DRINK, 10, 6.0, List.of("Kitchen", "Foods", "Burger Co.", "Coffee"),
                    List.of("double cheeseburger", "sparkling lemonade", "pizza delivered in thirty minutes",
                            "cold-brew coffee", "breakfast cereal", "frozen yoghurt"),
                    List.of("Order now on the app.", "Grab yours today.", "Taste it in stores now.",
                            "Get free delivery tonight."),
                    List.of("comedy", "romance", "animation"), new int[] {0, 2, 1, 4, 1, 5, 3, 1}),
            new Category(AdCategory.ALCOHOL, 5, 11.0, List.of("Brewing Co.", "Distillery", "Cellars", "Spirits"),
                    List.of("craft lager", "single-malt whisky", "red wine from sun-soaked hills", "small-batch gin",
                            "hard seltzer", "dark rum"),
                    List.of("Enjoy responsibly.", "Find it at your local store and drink responsibly.",
                            "Raise a glass, responsibly.", "Discover the range and please drink responsibly."),
                    List.of("crime", "drama", "comedy"), new int[] {3, 1, 1, 1, 2, 2, 3, 4}),
            new Category(AdCategory.GAMBLING, 4, 18.0, List.of("Bet", "Casino", "Sportsbook", "Poker"),
                    List.of("sportsbook app", "online casino", "poker tournament", "jackpot slots", "live betting",
                            "fantasy football league"),
                    List.of("Bet responsibly, adults only.", "Claim your welcome bonus and play responsibly.",
                            "Place your first bet today and gamble responsibly.", "Join the table tonight."),
                    List.of("crime", "thriller", "action"), new int[] {2, 1, 5, 0, 0, 0, 3, 3}),
            new Category(AdCategory.TRAVEL, 7, 10.0, List.of("Airways", "Hotels", "Getaways", "Travel"),
                    List.of("weekend getaway", "flight to the sun", "beach resort", "city break",
                            "rail pass across Europe", "island cruise"),
                    List.of("Book now and save.", "Find your next escape.", "Fares from 49 each way.",
                            "Pack your bags."),
                    List.of("romance", "documentary", "fantasy"), new int[] {0, 4, 0, 3, 3, 3, 1, 0}),
            new Category(AdCategory.FINANCE, 7, 22.0, List.of("Bank", "Insurance", "Capital", "Credit Union"),
                    List.of("cashback credit card", "savings account", "home insurance", "investing app", "mortgage",
                            "travel insurance"),
                    List.of("Apply online in minutes.", "Get a quote today.", "Open an account today.",
                            "Talk to an adviser near you."),
                    List.of("drama", "documentary", "thriller"), new int[] {1, 4, 2, 0, 2, 3, 2, 1}),
            new Category(AdCategory.TECHNOLOGY, 8, 12.0, List.of("Labs", "Electronics", "Systems", "Devices"),
                    List.of("smartphone with a night-vision camera", "noise-cancelling headphones", "laptop",
                            "smart watch", "home security camera", "4K television"),
                    List.of("Pre-order now.", "Available today.", "Upgrade today.", "Shop now with free shipping."),
                    List.of("sci-fi", "thriller", "documentary"), new int[] {2, 3, 4, 1, 0, 1, 3, 1}),
            new Category(AdCategory.GAMING, 6, 8.0, List.of("Games", "Interactive", "Studios", "Arcade"),
                    List.of("open-world game", "console", "multiplayer shooter", "gaming headset", "puzzle game",
                            "racing game"),
                    List.of("Play it now.", "Pre-order today.", "Download it free.", "Join the game tonight."),
                    List.of("sci-fi", "fantasy", "horror", "action"), new int[] {4, 1, 4, 3, 0, 0, 1, 3}),
            new Category(AdCategory.FASHION, 6, 7.0, List.of("Apparel", "Outfitters", "Footwear", "and Co."),
                    List.of("leather jacket", "running shoes", "denim collection", "winter coat", "handbag",
                            "sunglasses"),
                    List.of("Shop the new collection.", "Free returns on every order.", "In stores now.",
                            "Find your fit online."),
                    List.of("romance", "comedy", "drama"), new int[] {3, 3, 0, 2, 1, 1, 3, 2}),
            new Category(AdCategory.HOME, 6, 6.0, List.of("Home", "Furniture", "Living", "Hardware"),
                    List.of("sofa", "mattress", "kitchen makeover", "robot vacuum", "garden furniture",
                            "paint range"),
                    List.of("Shop the sale now.", "Free delivery this week.", "Visit a showroom near you.",
                            "Make it yours today."),
                    List.of("drama", "comedy", "romance"), new int[] {0, 2, 0, 3, 2, 6, 2, 1}),
            new Category(AdCategory.HEALTH, 5, 9.0, List.of("Health", "Fitness", "Pharmacy", "Wellness"),
                    List.of("gym membership", "vitamin supplement", "sleep app", "allergy relief",
                            "running programme", "meditation app"),
                    List.of("Start your free trial.", "Ask your pharmacist.", "Join today.",
                            "Your first month is on us."),
                    List.of("documentary", "action", "drama"), new int[] {0, 5, 1, 1, 1, 2, 1, 4}),
            new Category(AdCategory.TOYS, 4, 5.0, List.of("Toys", "Toy Company", "Playthings", "Kids"),
                    List.of("building-block castle", "plush dragon", "remote-control car", "doll house",
                            "board game for the whole family", "science kit"),
                    List.of("Find it in toy shops now.", "Ask for it this holiday season.", "Collect them all.",
                            "Order in time for the holidays."),
                    List.of("animation", "fantasy", "comedy"), new int[] {0, 3, 0, 6, 0, 5, 1, 0}),
            new Category(AdCategory.ENTERTAINMENT, 7, 7.0, List.of("Pictures", "Records", "Live", "Streaming"),
                    List.of("series", "concert tour", "film premiere", "music festival", "podcast",
                            "streaming bundle"),
                    List.of("Stream it tonight.", "Tickets on sale now.", "Only in cinemas.", "Listen now."),
                    List.of("horror", "sci-fi", "comedy", "mystery"), new int[] {3, 2, 3, 2, 2, 2, 2, 2}),
            new Category(AdCategory.EDUCATION, 4, 8.0, List.of("Academy", "Learning", "University", "Institute"),
                    List.of("online degree", "language app", "coding bootcamp", "tutoring service",
                            "photography course", "summer school"),
                    List.of("Enrol today.", "Start learning for free.", "Apply now for spring.",
                            "Your first lesson is free."),
                    List.of("documentary", "sci-fi", "mystery"), new int[] {0, 6, 1, 3, 1, 2, 1, 1}),
            new Category(AdCategory.TELECOM, 5, 10.0, List.of("Mobile", "Telecom", "Broadband", "Wireless"),
                    List.of("unlimited mobile plan", "fibre broadband", "5G network", "family data plan",
                            "prepaid SIM", "home Wi-Fi"),
                    List.of("Switch today.", "Check coverage in your area.", "Get it online.",
                            "Join now and save."),
                    List.of("comedy", "thriller", "mystery"), new int[] {0, 2, 3, 2, 1, 4, 4, 1}));

    private static final Map<AdCategory, Category> BY_CATEGORY = new EnumMap<>(AdCategory.class);

    static {
        for (Category c : CATEGORIES) {
            BY_CATEGORY.put(c.category(), c);
        }
    }

    /**
     * @param category a category
     * @return its words
     */
    static Category of(AdCategory category) {
        return BY_CATEGORY.get(category);
    }

    /**
     * @param genre a studio genre
     * @return its index in {@link #GENRES}
     * @throws IllegalStateException for a genre the grammar does not know
     */
    static int genreIndex(String genre) {
        int i = GENRES.indexOf(genre);
        if (i < 0) {
            throw new IllegalStateException("the ad grammar knows no genre " + genre);
        }
        return i;
    }
}
